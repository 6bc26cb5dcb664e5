"""What the pages show: presenters turn a snapshot into views, `rendering` (the Jinja2 hot
loops) and `markup` (the bracket markup, word diffs, the idempotency field) hold the only HTML
made in Python, and `page_cache` keeps rendered
pages per version of what they show."""
