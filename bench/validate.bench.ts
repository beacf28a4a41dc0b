import { bench, describe } from "vitest";
import { validate } from "../provider/core/validate";
import { maximalHTTPProxy, typicalHTTPProxy } from "./fixtures";

const typical = typicalHTTPProxy();
const maximal = maximalHTTPProxy();

describe("validate HTTPProxy", () => {
  bench("typical (3 rules, 2 hostnames)", () => {
    if (!validate(typical).valid) throw new Error("typical fixture must be valid");
  });
  bench("maximal (16 rules, 128 matches)", () => {
    if (!validate(maximal).valid) throw new Error("maximal fixture must be valid");
  });
});
