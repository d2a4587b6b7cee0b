// The login page's E-STOP (button and Esc): stopping needs no login, only this page's CSRF token.
"use strict";
async function loginEstop() {
  const say = (text) => { document.getElementById("announce").textContent = text; };
  try {
    const response = await fetch("/api/estop", {method: "POST", body: "{}", signal: AbortSignal.timeout(2000),
      headers: {"Content-Type": "application/json", "X-CSRF-Token": document.querySelector('meta[name="csrf"]').content}});
    if (!response.ok) throw new Error(`${response.status}`);
    const button = document.getElementById("estop");
    button.classList.add("engaged");
    button.textContent = "E-STOP ENGAGED";
    say("E-STOP ENGAGED: no motion commands");
  } catch (err) {
    say(`E-STOP did NOT arrive (${err.message}): use the robot's own stop`);
    alert("E-STOP did NOT arrive: the service is unreachable. Use the robot's own stop.");
  }
}
document.getElementById("estop").addEventListener("click", loginEstop);
document.addEventListener("keydown", (event) => { if (event.key === "Escape") { event.preventDefault(); loginEstop(); } });
