"""Upload forms in the browser: an oversized upload is answered in the page, never with a server error."""

from __future__ import annotations

from functools import wraps

from django.views.decorators.csrf import csrf_exempt, csrf_protect

from serviceloop.core.errors import PayloadTooLarge


def answers_oversized_uploads(on_too_large):
    """Decorate a view taking files so that a body over the limit gets `on_too_large(request, exc, ...)`.

    The size-limited upload handler (tickets/uploads.py) refuses an oversized body on the first read
    of request.POST. Django's CSRF middleware makes that read before any view runs and would turn the
    refusal into a server error. So the view is exempt from the middleware, reads the body itself,
    answers a refused body (nothing was read, nothing is written), and only then runs the same CSRF
    check the middleware would have run.
    """

    def decorate(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    request.FILES  # noqa: B018 - reading the body is the point
                except PayloadTooLarge as exc:
                    return on_too_large(request, exc, *args, **kwargs)
            return protected(request, *args, **kwargs)

        return wrapper

    return decorate
