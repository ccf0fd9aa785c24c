import { afterAll } from "vitest";
import { removeTempDirs } from "./git-fixtures.js";

afterAll(() => removeTempDirs());
