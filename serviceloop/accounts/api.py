"""/api/v1/users: who am I."""

from __future__ import annotations

from ninja import Router

from serviceloop.core.schemas import ERRORS, Schema

router = Router(tags=["users"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    language: str
    roles: list[str]
    is_customer: bool
    organization_id: int | None
    permissions: list[str]


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The logged-in user, roles and permissions")
def me(request):
    user = request.auth
    return {"id": user.pk, "username": user.username, "name": str(user), "email": user.email,
            "language": user.language, "roles": sorted(user.role_codes), "is_customer": user.is_customer,
            "organization_id": user.organization_id, "permissions": sorted(user.get_all_permissions())}
