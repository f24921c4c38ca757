// The console's entry: sign-in, the region switcher, and the view the location's hash names
// (#instances, ...), mounted in #view. Every call is a signed call of the region's public API.
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { mountAddresses } from "./addresses.js";
import { mountConnect } from "./connect.js";
import { mountBill } from "./bill.js";
import { mountInstances } from "./instances.js";
import { mountLaunch } from "./launch.js";
import { mountSecurityGroups } from "./security_groups.js";
import { clientsFor, forgetSession, saveSession, savedSession, signIn } from "./session.js";
import { mountVolumes } from "./volumes.js";
import { el, errorText, notice, reporting } from "./ui.js";

const VIEWS = {
  instances: mountInstances, launch: mountLaunch, "security-groups": mountSecurityGroups, volumes: mountVolumes,
  addresses: mountAddresses, bill: mountBill, connect: mountConnect,
};
const DEFAULT_REGION = "us-east-1";
let unmount = () => {};

// Shows the sign-in form and nothing else.
function showSignIn() {
  unmount();
  document.getElementById("view").replaceChildren();
  document.getElementById("nav").hidden = true;
  document.getElementById("account").hidden = true;
  const form = document.getElementById("sign-in");
  form.hidden = false;
  form.elements["access-key-id"].focus();
}

// Mounts the view the hash names for `session`.
function route(session) {
  unmount();
  // "#NAME" or "#NAME/ARGUMENT" (#connect/i-...).
  const [hashName, argument] = location.hash.slice(1).split("/");
  const name = hashName in VIEWS ? hashName : "instances";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === "#" + name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  unmount = VIEWS[name](document.getElementById("view"), { ...clientsFor(session), session }, argument);
}

// Shows the signed-in page for `session`: the routed view, identity, regions.
async function showConsole(session) {
  document.getElementById("sign-in").hidden = true;
  document.getElementById("nav").hidden = false;
  document.getElementById("account").hidden = false;
  document.getElementById("identity").textContent = session.arn;
  route(session);
  const select = document.getElementById("region");
  select.replaceChildren(el("option", { value: session.region, selected: true }, session.region));
  select.onchange = () => {
    session.region = select.value;
    saveSession(session);
    notice("");
    route(session);
  };
  const regions = await reporting(() => clientsFor(session).ec2.send(new DescribeRegionsCommand({})));
  const names = (regions?.Regions ?? []).map((r) => r.RegionName).sort();
  if (!names.includes(session.region)) names.unshift(session.region);
  select.replaceChildren(...names.map((name) => el("option", { value: name, selected: name === session.region }, name)));
}

document.getElementById("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const accessKeyId = form.elements["access-key-id"].value.trim();
  const secretAccessKey = form.elements["secret-access-key"].value.trim();
  const password = form.elements["password"].value;
  try {
    const arn = await signIn(accessKeyId, secretAccessKey, password, DEFAULT_REGION);
    const session = { accessKeyId, secretAccessKey, region: DEFAULT_REGION, arn };
    saveSession(session);
    form.reset();
    notice("");
    showConsole(session);
  } catch (error) {
    notice(`Sign-in failed: ${error.name === "Error" ? error.message : errorText(error)}`);
  }
});

document.getElementById("sign-out").addEventListener("click", () => {
  forgetSession();
  notice("");
  showSignIn();
});

window.addEventListener("hashchange", () => {
  const session = savedSession();
  if (session) route(session);
});

const session = savedSession();
if (session) showConsole(session);
else showSignIn();
