"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.account import (
    DeletionRequest,
    DeliveryPreference,
    NotificationDelivery,
    OneTimeCode,
)
from app.models.agreement import AGREEMENT_TRANSITIONS, Agreement, Disbursement
from app.models.audit import AuditEntry
from app.models.bank import Bank, Branch
from app.models.base import db
from app.models.claim import ClaimOutcome, CreditCodeClaim
from app.models.coordination import (
    AuthorisationLink,
    Declaration,
    JointReview,
    MechanismDeadline,
    NegativeListEntry,
    Recommendation,
    Renewal,
    Tranche,
    Visit,
)
from app.models.dispute import Dispute
from app.models.document import Document, DocumentDownload
from app.models.engagement import ENGAGEMENT_TRANSITIONS, Engagement
from app.models.enterprise import ENTERPRISE_TRANSITIONS, Enterprise
from app.models.event import Event, EventParticipant, event_banks, event_needs
from app.models.guarantee import GuaranteeProduct, guarantee_product_banks
from app.models.idempotency import IdempotencyKey
from app.models.job import JobRun, JobStatus
from app.models.match import (
    Match,
    MatchBankRecord,
    MatchCalendar,
    MatchRebuild,
    MatchRebuildChunk,
    MatchRematch,
    ProductRematch,
)
from app.models.message import Message
from app.models.need import NEED_TRANSITIONS, Need
from app.models.notification import Notification
from app.models.pool import (
    PoolFiling,
    PoolLoss,
    PoolPayout,
    RiskPool,
    risk_pool_banks,
    risk_pool_industries,
    risk_pool_products,
    risk_pool_regions,
)
from app.models.product import PRODUCT_TRANSITIONS, Product, product_industries, product_regions
from app.models.programme import (
    EnterpriseTag,
    ProgrammeCommitment,
    SubsidyProgramme,
    TagKind,
)
from app.models.reference import Industry, Region, Setting
from app.models.security import (
    RecoveryCode,
    RegistrationWindow,
    SecurityEvent,
    TwoFactor,
    UserSession,
)
from app.models.summary import SummaryClock, SummaryFact, SummaryTranche
from app.models.user import ApiToken, User
from app.models.webhook import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "SummaryClock",
    "SummaryFact",
    "SummaryTranche",
    "GuaranteeProduct",
    "guarantee_product_banks",
    "DeliveryStatus",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "DeletionRequest",
    "DeliveryPreference",
    "NotificationDelivery",
    "OneTimeCode",
    "AGREEMENT_TRANSITIONS",
    "ENGAGEMENT_TRANSITIONS",
    "ENTERPRISE_TRANSITIONS",
    "NEED_TRANSITIONS",
    "PRODUCT_TRANSITIONS",
    "Agreement",
    "ApiToken",
    "AuditEntry",
    "Bank",
    "Branch",
    "ClaimOutcome",
    "CreditCodeClaim",
    "AuthorisationLink",
    "Declaration",
    "JointReview",
    "MechanismDeadline",
    "NegativeListEntry",
    "Recommendation",
    "Renewal",
    "Tranche",
    "Visit",
    "Disbursement",
    "Dispute",
    "Document",
    "DocumentDownload",
    "Engagement",
    "Enterprise",
    "Event",
    "EventParticipant",
    "IdempotencyKey",
    "Industry",
    "JobRun",
    "JobStatus",
    "Match",
    "Message",
    "MatchRebuild",
    "MatchRebuildChunk",
    "MatchBankRecord",
    "MatchCalendar",
    "MatchRematch",
    "ProductRematch",
    "Need",
    "Notification",
    "PoolFiling",
    "PoolLoss",
    "PoolPayout",
    "Product",
    "RiskPool",
    "risk_pool_banks",
    "risk_pool_industries",
    "risk_pool_products",
    "risk_pool_regions",
    "EnterpriseTag",
    "ProgrammeCommitment",
    "SubsidyProgramme",
    "TagKind",
    "RecoveryCode",
    "Region",
    "RegistrationWindow",
    "SecurityEvent",
    "Setting",
    "TwoFactor",
    "User",
    "UserSession",
    "db",
    "event_banks",
    "event_needs",
    "product_industries",
    "product_regions",
]
