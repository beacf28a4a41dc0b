export * from "./probe";
