import { bench, describe } from "vitest";
describe("x", () => { bench("y", () => {}); });
