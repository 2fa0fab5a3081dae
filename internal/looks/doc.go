// Package looks holds the test that looks at what users see: it renders
// the demo's HTML report and the dashboard in headless Chromium at a
// desktop (1366 px) and a phone (390 px) width, checks layout facts in the
// page (no sideways scrolling on a phone, the verdict and findings before
// the evidence, the findings table on the first screen) and writes the
// screenshots to the test's output folder, or to $XUNJIAN_SCREENSHOTS.
package looks
