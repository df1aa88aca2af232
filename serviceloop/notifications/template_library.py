"""The only tags and filters a message template may use (templates.py builds its engine on this library
alone: no {% load %}, {% include %}, {% url %}, {% debug %} or anything that reads beyond the context)."""

from django.template import Library, defaultfilters, defaulttags

register = Library()

register.tag("if", defaulttags.do_if)
register.tag("for", defaulttags.do_for)
register.tag("comment", defaulttags.comment)
register.tag("firstof", defaulttags.firstof)

for _name in ("default", "default_if_none", "upper", "lower", "truncatechars", "linebreaksbr", "length",
              "yesno", "capfirst"):
    register.filter(_name, getattr(defaultfilters, _name))
register.filter("escape", defaultfilters.escape_filter)
