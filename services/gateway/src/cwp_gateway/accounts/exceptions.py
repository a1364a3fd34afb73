"""Account and token errors. Token errors follow RFC 6749 §5.2 (invalid_request,
invalid_client, invalid_grant, unsupported_grant_type) as problem+json slugs."""

from __future__ import annotations

from cwp_common.problems import Conflict, Forbidden, NotFound, ProblemError


class InvalidTokenRequest(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(400, "invalid-request", "Invalid token request", detail)


class UnsupportedGrantType(ProblemError):
    def __init__(self, grant_type: str) -> None:
        super().__init__(
            400,
            "unsupported-grant-type",
            "Unsupported grant type",
            f"grant_type '{grant_type}' is not supported; use 'password' or "
            "'client_credentials' / 不支持的授权类型",
        )


class InvalidGrant(ProblemError):
    """Same text for an unknown user and a wrong password, so neither can be probed."""

    def __init__(self) -> None:
        super().__init__(
            400,
            "invalid-grant",
            "Invalid credentials",
            "The username or password is incorrect / 用户名或密码错误",
        )


class InvalidClient(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            401,
            "invalid-client",
            "Invalid client credentials",
            "The client_id or client_secret is incorrect / 客户端凭据错误",
            headers={"WWW-Authenticate": 'Basic realm="cwp"'},
        )


class TooManyAttempts(ProblemError):
    """The name is locked after too many failed attempts. Answered before the secret is
    checked, and for unknown names exactly as for real ones (see LoginFailure)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too-many-attempts",
            "Too many failed sign-in attempts",
            "Too many failed sign-in attempts for this account; try again in "
            f"{retry_after} seconds / 登录失败次数过多，账户已暂时锁定，请在 {retry_after} 秒后重试",
            headers={"Retry-After": str(retry_after)},
        )


class AccountDisabled(ProblemError):
    """Told only after the secret matched, so it reveals nothing to a guesser."""

    def __init__(self, status: int) -> None:
        super().__init__(
            status, "account-disabled", "Account disabled", "This account is disabled / 账户已停用"
        )


class AccountNotFound(NotFound):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(what, key)


class UsernameTaken(Conflict):
    def __init__(self, username: str) -> None:
        super().__init__("username-taken", f"The username '{username}' is taken / 用户名已存在")


class RoleEscalation(Forbidden):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"You cannot grant roles you do not hold: {', '.join(missing)} / 不能授予自己没有的角色",
            slug="role-escalation",
        )


class RegionOutOfScope(Forbidden):
    def __init__(self, region: str, scope: str) -> None:
        super().__init__(
            f"Region '{region or 'national'}' is outside your scope "
            f"'{scope or 'national'}' / 超出授权区域",
            slug="out-of-scope",
        )


class CannotDisableSelf(Conflict):
    def __init__(self) -> None:
        super().__init__("self-disable", "You cannot disable your own account / 不能停用自己的账户")
