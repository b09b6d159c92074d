// A SCIM 2.0 service provider for roster's tests: the third-party packages
// scimmy (resources, schemas, filters, PatchOp, ListResponse) and
// scimmy-routers (the RFC 7644 HTTP endpoints on express), with an
// in-memory store of our own behind scimmy's ingress/egress/degress
// handlers. Nothing here decides what SCIM means; the store only keeps
// what scimmy hands it, as a service provider's database would.
//
//	node server.js             (configured by the environment, below)
//
// SCIM_PORT_FILE   where "PORT\n" is written once it listens (required; port 0 = any free one)
// SCIM_PORT        the port (default 0)
// SCIM_TOKEN       bearer token the SCIM endpoints accept
// SCIM_BASIC       "user:password" accepted by HTTP Basic instead
// SCIM_OAUTH       "client_id:client_secret": POST /oauth/token (client
//                  credentials, RFC 6749 section 4.4) issues bearer tokens
//                  that live SCIM_OAUTH_TTL seconds (default 3600)
// SCIM_TLS_CERT, SCIM_TLS_KEY   PEM files: https instead of http
// SCIM_PATCH=0     the provider says it cannot PATCH (ServiceProviderConfig)
//                  and answers a PATCH with 501
// SCIM_DELAY_MS    each SCIM request is answered that many ms later, as a provider
//                  over a network is: node answers one request to its end before it
//                  reads the next, so only with a delay can it see several at once
// SCIM_ETAG=1      the provider says it has ETags: each resource has a
//                  version (meta.version and the ETag header), and a PUT,
//                  PATCH or DELETE whose If-Match names another one gets 412
//
// The parts that are ours besides the store, for the tests around it:
// - /_admin/fail (POST {"status":429,"count":N,"retry_after":"1","after":M}): the
//   next N SCIM requests (after M more that pass, default 0) get that status
//   (429 or 5xx) with Retry-After, as a busy provider answers;
// - /_admin/stats (GET): {"requests": SCIM requests so far, "inflight": being
//   answered now, "inflight_max": the most answered at once} (?clear=1 resets the max);
// - /_admin/log (GET): every SCIM request so far as [method, path (decoded), ms since
//   start, If-Match, JSON body, status], /_admin/log?clear=1 empties it;
// - the ETag layer above (scimmy-routers has none);
// - filtering: scimmy's Filter matches attribute names as literal keys, so
//   each resource is matched in a view that also holds its extension
//   attributes under their full names ("urn:…:User:employeeNumber").
// No /_admin endpoint needs a token: the server listens on 127.0.0.1 only.
import {randomUUID, timingSafeEqual} from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const env = process.env;
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const started = Date.now();

if (!env.SCIM_PORT_FILE) {
	console.error("server.js: SCIM_PORT_FILE is not set");
	process.exit(2);
}

// ---- the store ----

const users = new Map(); // id -> the resource as scimmy validated it (plain JSON)
const groups = new Map();
let serial = 0;

// Indexes, as a database would have them: the users by userName (without
// case, for uniqueness) and by the values a filter "ATTR eq VALUE" most
// often asks for. They only narrow what scimmy's Filter is matched
// against; what matches is still scimmy's to say.
const byName = new Map(); // lowercased userName -> id
const indexed = ["userName", `${ENTERPRISE}:employeeNumber`, "externalId"];
const byValue = new Map(indexed.map((a) => [a, new Map()])); // attr -> value -> Set of ids

function indexValue(u, attr) {
	const i = attr.lastIndexOf(":");

	return i < 0 ? u[attr] : u[attr.slice(0, i)]?.[attr.slice(i + 1)];
}

function index(u, add) {
	if (u.userName !== undefined) {
		if (add)
			byName.set(String(u.userName).toLowerCase(), u.id);
		else
			byName.delete(String(u.userName).toLowerCase());
	}
	for (const attr of indexed) {
		const v = indexValue(u, attr), m = byValue.get(attr);

		if (typeof v !== "string")
			continue;
		if (add)
			(m.get(v) ?? m.set(v, new Set()).get(v)).add(u.id);
		else
			m.get(v)?.delete(u.id);
	}
}

// The ids a filter can only match, when it is "ATTR eq STRING" on an indexed attribute, or
// several of them joined by "or" (scimmy's Filter: one expression per alternative); else undefined.
function candidates(filter) {
	const out = new Set();

	for (const alt of filter) {
		const keys = Object.keys(alt);

		if (keys.length !== 1)
			return undefined;
		const attr = indexed.find((a) => a.toLowerCase() === keys[0].toLowerCase()), e = alt[keys[0]];

		if (!attr || !Array.isArray(e) || e.length !== 2 || e[0] !== "eq" || typeof e[1] !== "string")
			return undefined;
		for (const id of byValue.get(attr).get(e[1]) ?? [])
			out.add(id);
	}
	return out;
}

const plain = (x) => JSON.parse(JSON.stringify(x));
const version = () => `W/"${++serial}"`;

// userName and a group's displayName are unique, compared without case (RFC 7643 section 4.1.1)
function taken(map, key, value, self) {
	const v = String(value ?? "").toLowerCase();

	if (map === users) {
		const id = byName.get(v);

		return id !== undefined && id !== self;
	}
	for (const [id, r] of map)
		if (id !== self && String(r[key] ?? "").toLowerCase() === v)
			return true;
	return false;
}

function meta(old) {
	const now = new Date().toISOString();

	return {created: old?.meta?.created ?? now, lastModified: now, version: version()};
}

// The groups a user is in (the read-only User "groups" attribute, RFC 7643 section 4.1.2).
function groupsOf(id) {
	const out = [];

	for (const [gid, g] of groups)
		if ((g.members ?? []).some((m) => m.value === id))
			out.push({value: gid, display: g.displayName, type: "direct"});
	return out;
}

function userView(u) {
	const v = {...u, groups: groupsOf(u.id)};

	if (!v.groups.length)
		delete v.groups;
	return v;
}

// What a filter is matched against: the view, with extension attributes also under their full names.
function matchView(r) {
	const v = {...r};

	for (const [k, x] of Object.entries(r))
		if (k.startsWith("urn:") && x && typeof x === "object")
			for (const [a, y] of Object.entries(x))
				v[`${k}:${a}`] = y;
	return v;
}

function list(resource, all) {
	if (!resource.filter)
		return all;
	const hit = new Set(resource.filter.match(all.map(matchView)).map((v) => v.id));

	return all.filter((r) => hit.has(r.id));
}

function listUsers(resource) {
	const ids = resource.filter ? candidates(resource.filter) : undefined;
	const some = ids ? [...ids].map((id) => users.get(id)).filter((u) => u) : [...users.values()];

	return list(resource, some.map(userView));
}

function notFound(id) {
	return new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);
}

SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
	.ingress((resource, instance) => {
		const data = plain(instance);
		const old = resource.id ? users.get(resource.id) : undefined;

		if (resource.id && !old)
			throw notFound(resource.id);
		if (taken(users, "userName", data.userName, resource.id))
			throw new SCIMMY.Types.Error(409, "uniqueness", `userName "${data.userName}" is taken`);
		const id = resource.id ?? randomUUID();
		const u = {...data, id, meta: meta(old)};

		delete u.groups;
		if (old)
			index(old, false);
		users.set(id, u);
		index(u, true);
		return userView(u);
	})
	.egress((resource) => {
		if (resource.id) {
			const u = users.get(resource.id);

			if (!u)
				throw notFound(resource.id);
			return userView(u);
		}
		return listUsers(resource);
	})
	.degress((resource) => {
		const old = users.get(resource.id);

		if (!old)
			throw notFound(resource.id);
		index(old, false);
		users.delete(resource.id);
		for (const g of groups.values())
			if (g.members)
				g.members = g.members.filter((m) => m.value !== resource.id);
	});

SCIMMY.Resources.declare(SCIMMY.Resources.Group)
	.ingress((resource, instance) => {
		const data = plain(instance);
		const old = resource.id ? groups.get(resource.id) : undefined;

		if (resource.id && !old)
			throw notFound(resource.id);
		if (taken(groups, "displayName", data.displayName, resource.id))
			throw new SCIMMY.Types.Error(409, "uniqueness", `a group "${data.displayName}" exists`);
		for (const m of data.members ?? [])
			if (!users.has(m.value))
				throw new SCIMMY.Types.Error(400, "invalidValue", `member "${m.value}" is no user here`);
		const id = resource.id ?? randomUUID();
		const seen = new Set();
		const g = {...data, id, meta: meta(old)};

		// a member listed twice is one member
		g.members = (data.members ?? []).filter((m) => !seen.has(m.value) && seen.add(m.value));
		if (!g.members.length)
			delete g.members;
		groups.set(id, g);
		return g;
	})
	.egress((resource) => {
		if (resource.id) {
			const g = groups.get(resource.id);

			if (!g)
				throw notFound(resource.id);
			return g;
		}
		return list(resource, [...groups.values()]);
	})
	.degress((resource) => {
		if (!groups.delete(resource.id))
			throw notFound(resource.id);
	});

// ---- authentication ----

const oauthTokens = new Map(); // token -> expiry (ms)

function same(a, b) {
	const x = Buffer.from(String(a)), y = Buffer.from(String(b));

	return x.length === y.length && timingSafeEqual(x, y);
}

function authenticate(req) {
	const h = req.header("Authorization") ?? "";

	if (env.SCIM_BASIC) {
		if (!h.startsWith("Basic ") || !same(Buffer.from(h.slice(6), "base64").toString(), env.SCIM_BASIC))
			throw new Error("HTTP Basic credentials missing or wrong");
		return "roster";
	}
	if (!h.startsWith("Bearer "))
		throw new Error("no bearer token");
	const token = h.slice(7);

	if (env.SCIM_OAUTH) {
		const until = oauthTokens.get(token);

		if (!until || until < Date.now())
			throw new Error("the access token is unknown or expired");
		return "roster";
	}
	if (!env.SCIM_TOKEN || !same(token, env.SCIM_TOKEN))
		throw new Error("wrong bearer token");
	return "roster";
}

// ---- the app ----

const app = express();
const log = [];
const failing = {status: 0, count: 0, retryAfter: undefined, after: 0};
const stats = {requests: 0, inflight: 0, inflight_max: 0};

app.get("/_admin/stats", (req, res) => {
	res.json(stats);
	if (req.query.clear)
		stats.inflight_max = stats.inflight;
});

// Requests being answered at once: counted from their arrival to their answer's end.
app.use("/scim/v2", (req, res, next) => {
	let open = true;
	const done = () => {
		if (open) {
			open = false;
			stats.inflight--;
		}
	};

	stats.requests++;
	stats.inflight_max = Math.max(stats.inflight_max, ++stats.inflight);
	res.on("finish", done);
	res.on("close", done);
	if (Number(env.SCIM_DELAY_MS ?? 0) > 0)
		setTimeout(next, Number(env.SCIM_DELAY_MS));
	else
		next();
});

app.post("/_admin/fail", express.json(), (req, res) => {
	failing.status = Number(req.body?.status ?? 429);
	failing.count = Number(req.body?.count ?? 1);
	failing.after = Number(req.body?.after ?? 0);
	failing.retryAfter = req.body?.retry_after === undefined ? undefined : String(req.body.retry_after);
	res.json({armed: failing.count});
});

app.get("/_admin/log", (req, res) => {
	res.json(log);
	if (req.query.clear)
		log.length = 0;
});

app.post("/oauth/token", express.urlencoded({extended: false}), (req, res) => {
	const entry = ["POST", "/oauth/token", Date.now() - started, null, null, null];

	log.push(entry);
	res.on("finish", () => {
		entry[5] = res.statusCode;
	});
	const [id, secret] = (env.SCIM_OAUTH ?? "").split(":");
	let cid = req.body?.client_id, csecret = req.body?.client_secret;
	const h = req.header("Authorization") ?? "";

	if (h.startsWith("Basic ")) {
		const s = Buffer.from(h.slice(6), "base64").toString();
		const i = s.indexOf(":");

		cid = decodeURIComponent(s.slice(0, i));
		csecret = decodeURIComponent(s.slice(i + 1));
	}
	if (!env.SCIM_OAUTH || req.body?.grant_type !== "client_credentials")
		return res.status(400).json({error: "unsupported_grant_type"});
	if (!cid || !csecret || !same(cid, id) || !same(csecret, secret))
		return res.status(401).json({error: "invalid_client"});
	const token = randomUUID();
	const ttl = Number(env.SCIM_OAUTH_TTL ?? 3600);

	oauthTokens.set(token, Date.now() + ttl * 1000);
	res.set("Cache-Control", "no-store").json({access_token: token, token_type: "Bearer", expires_in: ttl, scope: req.body?.scope});
});

// Every SCIM request: logged (its JSON body too), then maybe failed on purpose.
app.use("/scim/v2", express.json({type: ["application/scim+json", "application/json"], limit: "8mb"}));
app.use("/scim/v2", (req, res, next) => {
	let path = req.originalUrl;

	try {
		path = decodeURIComponent(path); /* the filter as sent, to read */
	} catch {
		/* as it came */
	}
	const entry = [req.method, path, Date.now() - started, req.header("If-Match") ?? null,
		req.body && Object.keys(req.body).length ? req.body : null, null];

	log.push(entry);
	res.on("finish", () => {
		entry[5] = res.statusCode;
	});
	if (failing.count > 0 && failing.after > 0) {
		failing.after--;
	} else if (failing.count > 0) {
		failing.count--;
		if (failing.retryAfter !== undefined)
			res.set("Retry-After", failing.retryAfter);
		return res.status(failing.status).type("application/scim+json").send(JSON.stringify({
			schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
			status: String(failing.status),
			detail: failing.status === 429 ? "too many requests, slow down" : "the service is failing on purpose",
		}));
	}
	next();
});

if (env.SCIM_PATCH === "0") {
	app.patch("/scim/v2/*", (req, res) => res.status(501).type("application/scim+json").send(JSON.stringify({
		schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "501", detail: "PATCH is not supported here",
	})));
}

if (env.SCIM_ETAG === "1") {
	// GET of one resource: its version as the ETag; a change that names another version: 412.
	const store = {Users: users, Groups: groups};

	app.use("/scim/v2/:type/:id", (req, res, next) => {
		const {type, id} = req.params; /* the routers below change req.params */
		const r = store[type]?.get(id);
		const want = req.header("If-Match");

		if (r && want && want !== "*" && ["PUT", "PATCH", "DELETE"].includes(req.method) &&
		    !want.split(",").map((s) => s.trim()).includes(r.meta.version))
			return res.status(412).type("application/scim+json").send(JSON.stringify({
				schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "412",
				detail: `the resource is at version ${r.meta.version}, not ${want}`,
			}));
		const send = res.send.bind(res);

		res.send = (body) => {
			const now = store[type]?.get(id);

			if (now && res.statusCode < 300)
				res.set("ETag", now.meta.version);
			return send(body);
		};
		next();
	});
}

app.use("/scim/v2", new SCIMMYRouters({
	type: env.SCIM_BASIC ? "basic" : env.SCIM_OAUTH ? "oauth" : "bearer",
	docUri: "https://example.org/roster-tests",
	handler: authenticate,
	context: () => ({}),
}));

SCIMMY.Config.set({
	patch: env.SCIM_PATCH !== "0",
	etag: env.SCIM_ETAG === "1",
	filter: {supported: true, maxResults: 200},
	bulk: false,
	changePassword: false,
	sort: true,
});

const server = env.SCIM_TLS_CERT
	? https.createServer({cert: fs.readFileSync(env.SCIM_TLS_CERT), key: fs.readFileSync(env.SCIM_TLS_KEY)}, app)
	: http.createServer(app);

server.keepAliveTimeout = 60000;
server.listen(Number(env.SCIM_PORT ?? 0), "127.0.0.1", () => {
	fs.writeFileSync(env.SCIM_PORT_FILE + ".tmp", `${server.address().port}\n`);
	fs.renameSync(env.SCIM_PORT_FILE + ".tmp", env.SCIM_PORT_FILE);
});

for (const sig of ["SIGTERM", "SIGINT"])
	process.on(sig, () => process.exit(0));
