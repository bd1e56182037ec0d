import { describe, expect, it } from "vitest";
import { matchingPolicy, policyMatches, targetsFor, type MatchablePolicy, type TicketFacts } from "../app/service-levels/sla-policy-match";

const ticket = (facts: Partial<TicketFacts> = {}): TicketFacts => ({
  priority: "normal",
  channel: "email",
  tags: [],
  customerEmail: "ada@example.com",
  category: null,
  ...facts,
});

const policy = (name: string, conditions: MatchablePolicy["conditions"], active = true): MatchablePolicy & { name: string } => ({
  name,
  active,
  conditions,
  targets: { urgent: { firstReply: 30, resolution: 240 }, normal: { firstReply: 480 } },
});

describe("which SLA policy applies to a ticket", () => {
  it("takes the first policy in order whose conditions all hold, so order decides between overlapping policies", () => {
    const urgentEmail = policy("Urgent email", { priorities: ["urgent", "high"], channels: ["email"] });
    const urgentAnywhere = policy("Urgent anywhere", { priorities: ["urgent"] });
    const everyone = policy("Everyone", {});
    const policies = [urgentEmail, urgentAnywhere, everyone];

    expect(matchingPolicy(policies, ticket({ priority: "urgent", channel: "email" }))?.name).toBe("Urgent email");
    expect(matchingPolicy(policies, ticket({ priority: "high", channel: "email" }))?.name).toBe("Urgent email");
    expect(matchingPolicy(policies, ticket({ priority: "urgent", channel: "phone" }))?.name).toBe("Urgent anywhere");
    expect(matchingPolicy(policies, ticket({ priority: "low", channel: "phone" }))?.name).toBe("Everyone");
    expect(matchingPolicy([everyone, urgentEmail], ticket({ priority: "urgent" }))?.name).toBe("Everyone");
  });

  it("skips inactive policies and answers null when nothing matches", () => {
    const vip = policy("VIP", { tags: ["vip"] }, false);
    const phone = policy("Phone", { channels: ["phone"] });
    expect(matchingPolicy([vip, phone], ticket({ tags: ["vip"], channel: "phone" }))?.name).toBe("Phone");
    expect(matchingPolicy([vip, phone], ticket({ tags: ["vip"] }))).toBeNull();
    expect(matchingPolicy([], ticket())).toBeNull();
  });

  it("matches a tag condition when the ticket has any of its tags, regardless of case", () => {
    const conditions = { tags: ["vip", "enterprise"] };
    expect(policyMatches(conditions, ticket({ tags: ["billing", "Enterprise"] }))).toBe(true);
    expect(policyMatches(conditions, ticket({ tags: ["billing"] }))).toBe(false);
    expect(policyMatches(conditions, ticket({ tags: [] }))).toBe(false);
  });

  it("matches the customer's email domain exactly, without regard to case; a subdomain or a missing email does not match", () => {
    const conditions = { customerDomains: ["example.com"] };
    expect(policyMatches(conditions, ticket({ customerEmail: "Ada@Example.COM" }))).toBe(true);
    expect(policyMatches(conditions, ticket({ customerEmail: "ada@mail.example.com" }))).toBe(false);
    expect(policyMatches(conditions, ticket({ customerEmail: "ada@example.com.evil.test" }))).toBe(false);
    expect(policyMatches(conditions, ticket({ customerEmail: "example.com@other.test" }))).toBe(false);
    expect(policyMatches(conditions, ticket({ customerEmail: null }))).toBe(false);
  });

  it("matches a portal category without regard to case; a ticket without a category matches only policies without that condition", () => {
    const conditions = { categories: ["Billing", "Launch problems"] };
    expect(policyMatches(conditions, ticket({ category: "billing" }))).toBe(true);
    expect(policyMatches(conditions, ticket({ category: "Shipping" }))).toBe(false);
    expect(policyMatches(conditions, ticket({ category: null }))).toBe(false);
    expect(policyMatches({}, ticket({ category: null }))).toBe(true);
  });

  it("needs every listed condition to hold, and treats an empty list as any value", () => {
    const conditions = {
      priorities: ["urgent"],
      channels: [],
      tags: ["vip"],
      customerDomains: ["example.com"],
      categories: [],
    } satisfies MatchablePolicy["conditions"];
    expect(policyMatches(conditions, ticket({ priority: "urgent", tags: ["vip"] }))).toBe(true);
    expect(policyMatches(conditions, ticket({ priority: "urgent", tags: ["vip"], customerEmail: "bob@other.test" }))).toBe(false);
    expect(policyMatches(conditions, ticket({ priority: "high", tags: ["vip"] }))).toBe(false);
    expect(policyMatches(conditions, ticket({ priority: "urgent", tags: [] }))).toBe(false);
  });
});

describe("a policy's targets for a priority", () => {
  it("gives the metrics set for that priority and none for a priority without targets", () => {
    const chosen = policy("Targets", {});
    expect(targetsFor(chosen, "urgent")).toEqual({ firstReply: 30, resolution: 240 });
    expect(targetsFor(chosen, "normal")).toEqual({ firstReply: 480 });
    expect(targetsFor(chosen, "low")).toEqual({});
  });

  it("returns a copy: changing it leaves the policy as it was", () => {
    const chosen = policy("Targets", {});
    const targets = targetsFor(chosen, "urgent");
    targets.firstReply = 1;
    expect(chosen.targets.urgent).toEqual({ firstReply: 30, resolution: 240 });
  });
});
