// The signed-in caller: its access key, kept for this browser tab only (sessionStorage), the
// region it works in, and the AWS SDK clients that sign its calls to the region that served this
// page (the console has no other way in: IAM decides what each caller sees and does).
import { Sha256 } from "@aws-crypto/sha256-js";
import { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import { EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";

const STORAGE_KEY = "stratus-console-session";

// The session kept in this tab ({accessKeyId, secretAccessKey, region, arn}), or null.
export function savedSession() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

// Keeps `session` for this tab.
export function saveSession(session) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

// Forgets the tab's session.
export function forgetSession() {
  sessionStorage.removeItem(STORAGE_KEY);
}

// The SDK's configuration for `session`'s calls in its region.
function config(session) {
  return {
    region: session.region,
    endpoint: window.location.origin,
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
    maxAttempts: 1,
  };
}

// The clients the views call with, signing as `session`: EC2 in its region, Cost Explorer in
// us-east-1 (where AWS answers it for every region).
export function clientsFor(session) {
  return {
    ec2: new EC2Client(config(session)),
    ce: new CostExplorerClient(config({ ...session, region: "us-east-1" })),
  };
}

// Signs in with an access key (and `password`, the IAM user's console password if it has one):
// the server checks the password against the user's login profile, STS says who the key is. The
// caller's ARN, or throws with the refusal.
export async function signIn(accessKeyId, secretAccessKey, password, region) {
  const origin = new URL(window.location.origin);
  const signer = new SignatureV4({
    service: "sts", region, sha256: Sha256, credentials: { accessKeyId, secretAccessKey },
  });
  const body = JSON.stringify(password ? { password } : {});
  const signed = await signer.sign({
    method: "POST", protocol: origin.protocol, hostname: origin.hostname,
    port: origin.port ? Number(origin.port) : undefined, path: "/_stratus/console/signin",
    headers: { host: origin.host, "content-type": "application/json" }, body,
  });
  const { host, ...headers } = signed.headers;  // the browser sets Host itself
  const answer = await fetch("/_stratus/console/signin", { method: "POST", headers, body });
  if (!answer.ok) throw new Error((await answer.json()).error);
  const sts = new STSClient(config({ accessKeyId, secretAccessKey, region }));
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
}

// The WebSocket URL of the console's terminal at `path` ("/_stratus/console/connect" or
// ".../serial") with `query`: presigned (SigV4, 60 s) as `session` for ec2-instance-connect, so
// that the server acts as this caller.
export async function terminalUrl(session, path, query) {
  const origin = new URL(window.location.origin);
  const signer = new SignatureV4({
    service: "ec2-instance-connect", region: session.region, sha256: Sha256,
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
  });
  const signed = await signer.presign({
    method: "GET", protocol: origin.protocol, hostname: origin.hostname, port: origin.port ? Number(origin.port) : undefined,
    path, headers: { host: origin.host }, query,
  }, { expiresIn: 60 });
  const encoded = Object.entries(signed.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return `${origin.protocol === "https:" ? "wss" : "ws"}://${origin.host}${signed.path}?${encoded}`;
}
