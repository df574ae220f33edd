// Borne: tells the kiosk which kind of field has the focus, so that the
// on-screen keyboard shows the right keys and keeps the field in view.
// It never reads or sends what is typed.
(() => {
  const post = (m) => window.webkit.messageHandlers.borne.postMessage(m);
  const noText = ["button", "submit", "reset", "checkbox", "radio", "file", "hidden", "image", "range", "color"];
  const editable = (el) => el && (el.isContentEditable || el.tagName === "TEXTAREA" ||
    (el.tagName === "INPUT" && !noText.includes(el.type)));
  document.addEventListener("focusin", (e) => {
    const el = e.target;
    if (!editable(el)) return;
    const numeric = ["number", "tel"].includes(el.type) || ["numeric", "decimal", "tel"].includes(el.inputMode);
    post({ kind: "focus", keys: numeric ? "numeric" : "text" });
  }, true);
  document.addEventListener("focusout", (e) => {
    if (editable(e.target)) post({ kind: "blur" });
  }, true);
})();
