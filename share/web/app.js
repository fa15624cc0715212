// SPDX-License-Identifier: ISC
// keygate's pages: activate (/), register (/register#CODE), status (/status).
// No third-party code; the gateway checks everything this script sends.
"use strict";

const $ = (id) => document.getElementById(id);

function b64u(buf) {
	const b = new Uint8Array(buf);
	let s = "";
	for (const x of b) s += String.fromCharCode(x);
	return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64u(s) {
	const t = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
	const b = new Uint8Array(t.length);
	for (let i = 0; i < t.length; i++) b[i] = t.charCodeAt(i);
	return b.buffer;
}

function say(text, error) {
	const s = $("status");
	s.textContent = text;
	s.className = error ? "error" : "";
}

async function call(name, body) {
	const r = await fetch("/api/" + name, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify(body),
		credentials: "omit",
	});
	let j;
	try {
		j = await r.json();
	} catch (e) {
		j = { ok: false, error: "HTTP_" + r.status };
	}
	if (!j.ok) {
		const err = new Error(j.message || j.error);
		err.code = j.error;
		throw err;
	}
	return j;
}

// Touch: a challenge for the owner, the assertion, then the devices and a grant.
async function touch(owner) {
	const c = await call("challenge", { owner });
	const a = await navigator.credentials.get({
		publicKey: {
			challenge: unb64u(c.challenge),
			rpId: c.rpId,
			allowCredentials: c.allow.map((id) => ({ type: "public-key", id: unb64u(id) })),
			userVerification: c.userVerification,
			timeout: 60000,
		},
	});
	return call("activate", {
		owner,
		id: b64u(a.rawId),
		clientDataJSON: b64u(a.response.clientDataJSON),
		authenticatorData: b64u(a.response.authenticatorData),
		signature: b64u(a.response.signature),
	});
}

function refusal(e) {
	if (e.name === "NotAllowedError") return "No key was touched, or this key is not registered here.";
	return e.code ? e.code + ": " + e.message : String(e.message || e);
}

function untilText(devs) {
	const open = devs.filter((d) => d.open);
	if (open.length === 0) return "-";
	const s = Math.min(...open.map((d) => d.secondsLeft));
	return new Date(Date.now() + s * 1000).toLocaleString();
}

const state = { owner: "", grant: "", devices: [] };

function showDevices(devs) {
	const box = $("devices");
	box.textContent = "";
	for (const d of devs) {
		const row = document.createElement("div");
		row.className = "device";
		const cb = document.createElement("input");
		cb.type = "checkbox";
		cb.value = d.name;
		cb.id = "dev-" + d.name;
		cb.checked = d.open || devs.length === 1;
		cb.disabled = d.disabled;
		const l = document.createElement("label");
		l.htmlFor = cb.id;
		l.textContent = d.name + (d.open ? " (open)" : d.disabled ? " (disabled)" : "");
		row.append(cb, l);
		box.append(row);
	}
	$("until").textContent = untilText(devs);
}

function chosen() {
	return [...document.querySelectorAll("#devices input:checked")].map((c) => c.value);
}

async function act(name) {
	try {
		const r = await call(name, { owner: state.owner, grant: state.grant, devices: chosen() });
		showDevices(r.devices);
		say(name === "open" ? "Open." : "Ended.");
	} catch (e) {
		say(refusal(e), true);
	}
}

async function onTouch(ev) {
	ev.preventDefault();
	state.owner = $("owner").value.trim();
	say("Touch your security key...");
	try {
		const r = await touch(state.owner);
		state.grant = r.grant;
		state.devices = r.devices;
		if (document.body.dataset.page === "status") return showStatus(r.devices);
		showDevices(r.devices);
		$("pick").hidden = false;
		say(r.devices.length ? "Choose the devices to open." : "You have no devices here.");
	} catch (e) {
		say(refusal(e), true);
	}
}

async function onExtend() {
	const keep = chosen();
	try {
		const r = await touch(state.owner);
		state.grant = r.grant;
		const o = await call("open", { owner: state.owner, grant: state.grant, devices: keep });
		showDevices(o.devices);
		say("Extended.");
	} catch (e) {
		say(refusal(e), true);
	}
}

const ENDED = {
	none: "not opened since the gateway started",
	window: "its window ended",
	idle: "it was idle",
	revoked: "disabled, or its key revoked, by an administrator",
	killed: "ended by an administrator",
	down: "ended from this page or the device",
};

function showStatus(devs) {
	const ul = $("devices");
	ul.textContent = "";
	for (const d of devs) {
		const li = document.createElement("li");
		li.textContent = d.name + ": " +
			(d.open ? "open, " + Math.round(d.secondsLeft / 60) + " min left"
				: "closed: " + (ENDED[d.ended] || d.ended));
		ul.append(li);
	}
	say(devs.length ? "" : "You have no devices here.");
}

async function onRegister() {
	const code = location.hash.slice(1);
	if (!code) return say("This page needs the link your administrator gave you.", true);
	say("Touch your security key...");
	try {
		const c = await call("register-challenge", { code });
		const cred = await navigator.credentials.create({
			publicKey: {
				challenge: unb64u(c.challenge),
				rp: { id: c.rpId, name: "keygate" },
				user: { id: unb64u(c.user), name: "keygate", displayName: "keygate" },
				pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -8 }],
				attestation: "direct",
				authenticatorSelection: { userVerification: "preferred" },
				timeout: 60000,
			},
		});
		const r = await call("register", {
			code,
			clientDataJSON: b64u(cred.response.clientDataJSON),
			attestationObject: b64u(cred.response.attestationObject),
		});
		say("Registered key " + r.key + " for " + r.owner + ".");
		history.replaceState(null, "", "/register");
	} catch (e) {
		say(refusal(e), true);
	}
}

document.addEventListener("DOMContentLoaded", () => {
	const page = document.body.dataset.page;
	if (page === "register") return $("register").addEventListener("click", onRegister);
	$("who").addEventListener("submit", onTouch);
	if (page === "activate") {
		$("open").addEventListener("click", () => act("open"));
		$("end").addEventListener("click", () => act("end"));
		$("extend").addEventListener("click", onExtend);
	}
});
