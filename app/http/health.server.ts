import type { Request, Response } from "express";
import type { ControlPlane } from "../../tenancy/control-plane";
import { asyncMiddleware } from "./async-middleware.server";

/** Liveness: the process is up and serving. */
export function healthz(_req: Request, res: Response) {
  res.set("Cache-Control", "no-store").json({ status: "ok" });
}

/** Readiness: the control plane answers within a second. */
export function readyz(control: ControlPlane) {
  return asyncMiddleware(async (req: Request, res: Response) => {
    res.set("Cache-Control", "no-store");
    try {
      await withTimeout(control.pool.query("SELECT 1"), 1000);
      res.json({ status: "ready" });
    } catch (error) {
      req.log?.warn({ err: error }, "readiness check failed");
      res.status(503).json({ status: "unavailable", reason: "control plane unreachable" });
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
