"""What the pages show: presenters turn a snapshot into views, `rendering` holds the only HTML
made in Python (the Jinja2 hot loops and the bracket markup), and `page_cache` keeps rendered
pages per version of what they show."""
