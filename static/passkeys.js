// DealNest Partners: passkeys, through the browser's WebAuthn API. Adding one (the settings
// page) and signing in with one (the sign-in page) each take two calls: the server's options
// for the browser, then the browser's answer for the server to check. Both travel as JSON with
// their binary fields in base64url, which this file converts to and from ArrayBuffers.
// Without JavaScript the pages say that passkeys need it; listing and removing work anyway.
(function () {
  "use strict";

  function toBuffer(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBuffers(descriptors) {
    (descriptors || []).forEach(function (descriptor) {
      descriptor.id = toBuffer(descriptor.id);
    });
  }

  // The server's options, as `navigator.credentials.create` and `.get` take them.
  function creationOptions(options) {
    var publicKey = options.publicKey;
    publicKey.challenge = toBuffer(publicKey.challenge);
    publicKey.user.id = toBuffer(publicKey.user.id);
    withBuffers(publicKey.excludeCredentials);
    return { publicKey: publicKey };
  }

  function requestOptions(options) {
    var publicKey = options.publicKey;
    publicKey.challenge = toBuffer(publicKey.challenge);
    withBuffers(publicKey.allowCredentials);
    return { publicKey: publicKey };
  }

  // The browser's answers, as the server reads them.
  function registration(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toBase64url(response.attestationObject),
        clientDataJSON: toBase64url(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : null
      },
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function assertion(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64url(response.authenticatorData),
        clientDataJSON: toBase64url(response.clientDataJSON),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : null
      },
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  // A same-origin JSON call; a refusal becomes an Error carrying the server's sentence.
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error((data.error && data.error.message) || "Something went wrong on our side. Please try again.");
        }
        return data;
      });
    }, function () {
      throw new Error("DealNest could not be reached. Check your connection and try again.");
    });
  }

  // What the browser's own refusals mean to a person.
  function explain(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "AbortError":
        return "The passkey request was cancelled or timed out. Try again when you are ready.";
      case "InvalidStateError":
        return "This device already holds a passkey for your account.";
      case "SecurityError":
        return "This browser refuses passkeys for this address.";
      case "NotSupportedError":
        return "This device cannot make a passkey this site accepts.";
      default:
        return (error && error.message) || "That did not work. Please try again.";
    }
  }

  function say(id, text) {
    var slot = document.getElementById(id);
    if (slot) slot.textContent = text;
  }

  var supported = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);

  // Shows the buttons where passkeys can work; elsewhere the sentence says why they are missing.
  function reveal() {
    document.querySelectorAll("[data-passkey-register], [data-passkey-signin]").forEach(function (el) {
      el.hidden = !supported;
    });
    document.querySelectorAll("[data-passkey-fallback]").forEach(function (el) {
      if (supported) el.hidden = true;
      else el.textContent = "This browser cannot use passkeys.";
    });
  }

  var busy = false;

  function addPasskey(form) {
    var name = form.querySelector("input[name=name]").value;
    var button = form.querySelector("button");
    busy = button.disabled = true;
    say("passkey-add-err", "");
    post("/settings/passkeys/start", { name: name })
      .then(function (options) {
        return navigator.credentials.create(creationOptions(options)).then(null, function (error) {
          throw new Error(explain(error));
        });
      })
      .then(function (credential) {
        return post("/settings/passkeys/finish", { credential: registration(credential) });
      })
      .then(function () {
        // The settings page, with the new passkey listed and the message at the top.
        window.location.assign("/settings");
      })
      .catch(function (error) {
        say("passkey-add-err", error.message);
        busy = button.disabled = false;
      });
  }

  function signIn(button) {
    busy = button.disabled = true;
    say("passkey-signin-err", "");
    post("/session/passkey/start")
      .then(function (options) {
        return navigator.credentials.get(requestOptions(options)).then(null, function (error) {
          throw new Error(explain(error));
        });
      })
      .then(function (credential) {
        return post("/session/passkey/finish", { credential: assertion(credential) });
      })
      .then(function (answer) {
        window.location.assign(answer.redirect || "/");
      })
      .catch(function (error) {
        say("passkey-signin-err", error.message);
        busy = button.disabled = false;
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-passkey-register]")) return;
    event.preventDefault();
    if (!busy) addPasskey(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-passkey-signin]");
    if (!button) return;
    event.preventDefault();
    if (!busy) signIn(button);
  });

  reveal();
  // The settings section comes back whole after a passkey is removed (htmx).
  document.addEventListener("htmx:afterSettle", reveal);
})();
