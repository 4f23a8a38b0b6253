"""Built-in report templates (Jinja2). A package only so that it installs with its files."""
