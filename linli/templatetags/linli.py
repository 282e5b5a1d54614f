from django import template

register = template.Library()


@register.filter
def is_section(path: str, url: str) -> bool:
    """True when ``path`` lies in the section that ``url`` opens (not for the home page)."""
    if url == "/":
        return path == "/"
    return path.startswith(url)


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan with two decimals: 12345 → 123.45."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"
