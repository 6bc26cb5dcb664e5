"""Request plumbing every view relies on: middleware (second factor, time zone), error pages
and outages, request ids and logs, context processors, bounds on what a request may send, the
meeting's time zone, and the deploy checks."""
