"""Account and token errors. Token errors follow RFC 6749 §5.2 (invalid_request,
invalid_client, invalid_grant, unsupported_grant_type) as problem+json slugs."""

from __future__ import annotations

from cwp_common.problems import Conflict, Forbidden, InvalidInput, NotFound, ProblemError


class InvalidTokenRequest(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(400, "invalid-request", "Invalid token request", detail)


class UnsupportedGrantType(ProblemError):
    def __init__(self, grant_type: str) -> None:
        super().__init__(
            400,
            "unsupported-grant-type",
            "Unsupported grant type",
            f"grant_type '{grant_type}' is not supported; use 'password', "
            "'client_credentials' or 'refresh_token' / 不支持的授权类型",
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


class InvalidRefreshToken(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            400,
            "invalid-grant",
            "Invalid refresh token",
            "The refresh token is not valid, expired or was revoked; sign in again "
            "/ 刷新令牌无效、已过期或已撤销，请重新登录",
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
    """Too many failed sign-ins for this name from this address: wait. Answered before the
    secret is checked, and for unknown names exactly as for real ones. Another address,
    the owner's, is not slowed down."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too-many-attempts",
            "Too many failed sign-in attempts",
            "Too many failed sign-in attempts for this account from your address; try again "
            f"in {retry_after} seconds / 登录失败次数过多，请在 {retry_after} 秒后重试",
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


class SelfChange(Conflict):
    """An account never changes its own standing: an administrator cannot lock itself
    out by mistake, and a stolen token cannot widen or re-enable its own account."""

    def __init__(self, what: str) -> None:
        super().__init__(
            "self-change",
            f"You cannot change your own {what}; ask another administrator "
            "/ 不能修改自己的账户状态、角色或区域，请联系其他管理员",
        )


class LastNationalAdmin(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "last-national-admin",
            "This is the last enabled national administrator: it cannot be disabled, lose "
            "the admin role or leave the national scope / 这是最后一个启用的全国管理员，"
            "不能停用、取消管理员角色或改变区域",
        )


class WrongPassword(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "wrong-password",
            "Wrong password",
            "The current password is incorrect / 当前密码错误",
        )


class UsersOnly(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "Only a person's account has a password; clients rotate their secret "
            "/ 只有用户账户有密码，客户端请轮换密钥",
            slug="users-only",
        )


class GraceTooLong(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(
            "grace_seconds",
            f"The grace period may be at most {limit} seconds / 宽限期最长 {limit} 秒",
            slug="grace-too-long",
        )


class NothingToChange(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "body",
            "Give at least one of disabled, roles, region / 至少提供一个要修改的字段",
            slug="nothing-to-change",
        )


class UnknownWorker(InvalidInput):
    """The registry does not know the worker, or not within the caller's region (the two
    are answered alike, as everywhere)."""

    def __init__(self) -> None:
        super().__init__(
            "worker_id",
            "No serving worker with this id in your region / 您的区域内没有该在职工作者",
            slug="unknown-worker",
        )


class WorkerRegionMismatch(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "region",
            "A worker's account has the worker's community as its region / "
            "工作者账号的区域必须是其所在社区",
            slug="worker-region-mismatch",
        )


class WorkerHasAccount(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "worker-has-account",
            "This worker already has an account; issue an activation code to reset its "
            "password / 该工作者已有账号",
        )


class WorkerAccountFixed(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "roles",
            "A worker's account keeps the single role 'worker' and follows the worker's "
            "community / 工作者账号只能有 worker 角色，区域随社区",
            slug="worker-account-fixed",
        )


class RegistryUnavailable(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "registry-unavailable",
            "Temporarily unavailable",
            "The registry could not confirm the worker; please retry / 无法核实工作者，请重试",
            headers={"Retry-After": "5"},
        )


class InvalidActivationCode(ProblemError):
    """One text for an unknown name, a wrong, used or expired code: none can be probed."""

    def __init__(self) -> None:
        super().__init__(
            400,
            "invalid-activation-code",
            "Invalid activation code",
            "The username or activation code is wrong, used or expired / 激活码错误、已使用或已过期",
        )


class TooManyCodes(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too-many-activation-codes",
            "Too many activation codes",
            "Too many activation codes were issued for this worker today / 今日签发的激活码过多",
            headers={"Retry-After": str(retry_after)},
        )
