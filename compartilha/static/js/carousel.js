// The home page's carousel: arrows, dots, swipe, arrow keys, auto-advance that pauses
// on hover and focus, and a pause button (WCAG 2.2.2).
for (const root of document.querySelectorAll("[data-carousel]")) setUp(root);

function setUp(root) {
  const track = root.querySelector(".carousel-track");
  const slides = [...root.querySelectorAll(".slide")];
  const dots = [...root.querySelectorAll("[data-dot]")];
  const pauseButton = root.querySelector("[data-pause]");
  const viewport = root.querySelector(".carousel-viewport");
  const interval = Number(root.dataset.interval) || 6000;
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  let index = 0, timer = null, hovering = false, focused = false, stopped = reduced;

  function show(next) {
    index = (next + slides.length) % slides.length;
    track.style.transform = `translateX(${-100 * index}%)`;
    slides.forEach((slide, i) => {
      const current = i === index;
      slide.inert = !current;
      slide.setAttribute("aria-hidden", String(!current));
    });
    dots.forEach((dot, i) => dot.setAttribute("aria-current", String(i === index)));
    root.dataset.index = String(index);
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    const running = !stopped && !hovering && !focused;
    root.classList.toggle("is-paused", stopped);
    // Announce slides a person moves to, not the ones that turn by themselves.
    viewport.setAttribute("aria-live", running ? "off" : "polite");
    if (running) timer = setInterval(() => show(index + 1), interval);
  }

  function setStopped(value) {
    stopped = value;
    const label = pauseButton.querySelector(".visually-hidden");
    label.textContent = stopped ? pauseButton.dataset.labelPlay : pauseButton.dataset.labelPause;
    schedule();
  }

  root.querySelector("[data-prev]").addEventListener("click", () => { show(index - 1); schedule(); });
  root.querySelector("[data-next]").addEventListener("click", () => { show(index + 1); schedule(); });
  dots.forEach((dot, i) => dot.addEventListener("click", () => { show(i); schedule(); }));
  pauseButton.addEventListener("click", () => setStopped(!stopped));

  root.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") { show(index + 1); event.preventDefault(); }
    else if (event.key === "ArrowLeft") { show(index - 1); event.preventDefault(); }
    else if (event.key === "Home") { show(0); event.preventDefault(); }
    else if (event.key === "End") { show(slides.length - 1); event.preventDefault(); }
  });
  root.addEventListener("mouseenter", () => { hovering = true; schedule(); });
  root.addEventListener("mouseleave", () => { hovering = false; schedule(); });
  root.addEventListener("focusin", () => { focused = true; schedule(); });
  root.addEventListener("focusout", (event) => {
    if (!root.contains(event.relatedTarget)) { focused = false; schedule(); }
  });

  // Swipe: a mostly horizontal drag of 40 px or more changes the slide.
  let startX = null, startY = null;
  viewport.addEventListener("pointerdown", (event) => { startX = event.clientX; startY = event.clientY; });
  viewport.addEventListener("pointerup", (event) => {
    if (startX === null) return;
    const dx = event.clientX - startX, dy = event.clientY - startY;
    startX = null;
    if (Math.abs(dx) >= 40 && Math.abs(dx) > Math.abs(dy)) { show(index + (dx < 0 ? 1 : -1)); schedule(); }
  });
  viewport.addEventListener("pointercancel", () => { startX = null; });

  show(0);
  if (reduced) setStopped(true); else schedule();
}
