"""Authentication backend: Django's ModelBackend, with roles and permissions read in one query.

ModelBackend reads user permissions and group permissions in two queries on the first has_perm of
every request, and the API also needs the user's role groups. `User.role_codes` reads all three
with one UNION query and fills the permission cache this backend then returns.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    """Same rules as ModelBackend (active users only, superusers have every permission)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename").order_by()
                user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
            else:
                _ = user_obj.role_codes  # fills _perm_cache in the same query as the roles
        return user_obj._perm_cache
