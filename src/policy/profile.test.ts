// Named policy profiles: `when: {profile: NAME}` matches the actions of tasks that carry that profile (a schedule's
// runs), never a task without one; the profile is part of the decision's facts; a sub-agent grant may not drop a
// profile condition (attenuation); lint warns about a profile schedules use that no rule names.
import { describe, expect, it } from "vitest";
import { type Action, compilePolicyTexts, type Grant, lintProfiles, namedProfiles, parseAction } from "./index.js";

const policy = (() => {
  const p = compilePolicyTexts({
    "p.yaml": `
rules:
  - id: schedules-read-only
    effect: deny
    reason: scheduled runs only read and report
    match: { tool: [write_file, exec] }
    when: { principal: schedule }
  - id: backup-may-write
    effect: allow
    reason: the nightly backup writes its archive
    match: { tool: write_file, path: /backups/** }
    when: { principal: schedule, profile: backup }
  - id: inbox-sends
    effect: allow
    reason: the inbox summary is sent to the owner
    match: { tool: send_message, to: owner }
    when: { profile: [inbox, digest] }
`,
  });
  if (!p.ok) throw p.error;
  return p.value;
})();

const send: Action = { tool: "send_message", channel: "cli", to: "owner" };

describe("when.profile", () => {
  it("matches only the actions of tasks carrying one of the named profiles", () => {
    expect(policy.decide({ ...send, principal: "schedule", profile: "inbox" })).toMatchObject({
      effect: "allow",
      rule: "inbox-sends",
    });
    expect(policy.decide({ ...send, principal: "schedule", profile: "digest" }).effect).toBe("allow");
    expect(policy.decide({ ...send, principal: "schedule", profile: "backup" }).effect).toBe("deny");
    expect(policy.decide({ ...send, principal: "schedule" }).effect).toBe("deny");
    expect(policy.decide({ ...send, principal: "owner" }).effect).toBe("deny");
  });

  it("a deny for every scheduled run still beats a profile's allow; the facts name the profile", () => {
    const write: Action = { tool: "write_file", path: "/backups/x.tar", principal: "schedule", profile: "backup" };
    const d = policy.decide(write);
    expect(d).toMatchObject({ effect: "deny", rule: "schedules-read-only" });
    expect(d.facts).toMatchObject({ principal: "schedule", profile: "backup" });
    const x = policy.explain(write);
    const allow = x.trace.find((t) => t.rule === "backup-may-write");
    expect(allow?.failed).toBeNull();
    expect(
      policy.explain({ ...write, profile: "inbox" }).trace.find((t) => t.rule === "backup-may-write")?.failed,
    ).toBe("when.profile");
  });

  it("refuses a profile name that is not one, in a rule and in an action", () => {
    const bad = compilePolicyTexts({
      "p.yaml": "rules:\n  - { id: x, effect: allow, reason: r, match: { tool: a }, when: { profile: 'no spaces' } }\n",
    });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? "" : bad.error.message).toContain("profile");
    const action = parseAction({ tool: "send_message", profile: "../etc" });
    expect(action.ok ? "" : action.error.message).toMatch(/^action: profile: /);
  });

  it("a sub-agent grant keeps its parent grant's profile condition (attenuation)", () => {
    const parent: Grant = {
      id: "g1",
      task: "t1",
      match: { tool: "send_message" },
      when: { profile: "inbox" },
    };
    const spawn = (when?: Record<string, unknown>): Action => ({
      tool: "spawn_agent",
      task: "t1",
      grants: [{ id: "g1", task: "sub-agent", match: { tool: "send_message" }, ...(when ? { when } : {}) }],
    });
    const p = compilePolicyTexts({
      "p.yaml": "rules:\n  - { id: spawn, effect: allow, reason: r, match: { tool: spawn_agent } }\n",
    });
    if (!p.ok) throw p.error;
    expect(p.value.decide(spawn({ profile: "inbox" }), { grants: [parent] }).effect).toBe("allow");
    expect(p.value.decide(spawn(), { grants: [parent] })).toMatchObject({ effect: "deny", rule: "attenuation" });
    expect(p.value.decide(spawn({ profile: ["inbox", "backup"] }), { grants: [parent] }).effect).toBe("deny");
  });
});

describe("profiles and lint", () => {
  it("names the profiles the rules use, and warns about one schedules use that no rule names", () => {
    expect([...namedProfiles(policy)].sort()).toEqual(["backup", "digest", "inbox"]);
    const warnings = lintProfiles(policy, [
      { profile: "inbox", schedules: ["morning"], where: "warden.yaml" },
      { profile: "inbxo", schedules: ["typo", "other"], where: "added with warden schedule add" },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(
      'schedules typo, other (added with warden schedule add) run under profile "inbxo"',
    );
    expect(warnings[0]?.message).toContain("no rule names it");
  });
});
