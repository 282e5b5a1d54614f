// Care pages. On a phone the care section's links are one row that scrolls sideways
// (care.css): bring the current page's link into view instead of leaving it off-screen.
(function () {
  const current = document.querySelector(".care-subnav a[aria-current='page']");
  const nav = current && current.parentElement;
  if (!nav || nav.scrollWidth <= nav.clientWidth) return;
  const box = nav.getBoundingClientRect();
  const link = current.getBoundingClientRect();
  nav.scrollLeft += link.left - box.left - (box.width - link.width) / 2;
})();
