import { describe, expect, it } from "vitest";
import { Task } from "./task.svelte";

describe("Task", () => {
  it("is busy while the work runs and gives its value", async () => {
    const task = new Task(() => "raté");
    task.error = "ancienne erreur";
    let during = false;
    const v = await task.run(async () => {
      during = task.busy;
      return 42;
    });
    expect(v).toBe(42);
    expect(during).toBe(true);
    expect(task.busy).toBe(false);
    expect(task.error).toBe("");
  });

  it("puts the failure's words on the error line", async () => {
    const task = new Task((e) => `mots pour ${String(e)}`);
    const v = await task.run(() => Promise.reject("boom"));
    expect(v).toBeUndefined();
    expect(task.busy).toBe(false);
    expect(task.error).toBe("mots pour boom");
    task.fail("encore");
    expect(task.error).toBe("mots pour encore");
  });
});
