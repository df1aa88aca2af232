"""The four SLA variants of the source documents (SLA-2), as ready presets; seed 001's is the default.

Each preset maps a priority to its targets: metric → (amount, unit). Where a seed names one level
for two of our priorities (001's 高 covers urgent and high), both get it. Hours in the seeds are
business hours for responses (a team answers in its working time) and calendar hours where the seed
clearly means the clock (001: 24 h to resolve a high-priority fault; 002: minutes for outages).
"""

from __future__ import annotations

from serviceloop.tickets.choices import Priority

from .models import Metric, Unit

CAL, BUS, DAYS = Unit.CALENDAR_MINUTES, Unit.BUSINESS_MINUTES, Unit.WORKING_DAYS
ACK, RESP, RES, UPD = Metric.ACKNOWLEDGE, Metric.FIRST_RESPONSE, Metric.RESOLUTION, Metric.UPDATE

# ASN-3: acknowledge within 1 hour; COM-3 / 001: sync the customer every 24 hours.
_COMMON = {ACK: (60, CAL), UPD: (1440, CAL)}

PRESETS: dict[str, dict] = {
    "seed-001": {
        "name": "标准售后 SLA（001）",
        "description": (
            "高 4 小时响应/24 小时解决；中 8 小时响应/3 个工作日解决；低 24 小时响应/5 个工作日解决。"
        ),
        "targets": {
            Priority.URGENT: {**_COMMON, RESP: (240, BUS), RES: (1440, CAL)},
            Priority.HIGH: {**_COMMON, RESP: (240, BUS), RES: (1440, CAL)},
            Priority.MEDIUM: {**_COMMON, RESP: (480, BUS), RES: (3, DAYS)},
            Priority.LOW: {**_COMMON, RESP: (1440, BUS), RES: (5, DAYS)},
        },
    },
    "seed-004": {
        "name": "技术支持 SLA（004）",
        "description": "紧急 2 小时响应/4 小时解决；高 4/8 小时；中 8/24 小时；低 24 小时响应。",
        "targets": {
            Priority.URGENT: {**_COMMON, RESP: (120, BUS), RES: (240, BUS)},
            Priority.HIGH: {**_COMMON, RESP: (240, BUS), RES: (480, BUS)},
            Priority.MEDIUM: {**_COMMON, RESP: (480, BUS), RES: (1440, BUS)},
            Priority.LOW: {**_COMMON, RESP: (1440, BUS)},
        },
    },
    "seed-002": {
        "name": "应急响应 SLA（002）",
        "description": "重大故障 5 分钟介入；影响业务连续性 30 分钟初步诊断；普通 2 小时内完成分配。",
        "targets": {
            Priority.URGENT: {ACK: (5, CAL), RESP: (5, CAL), UPD: (60, CAL)},
            Priority.HIGH: {ACK: (30, CAL), RESP: (30, CAL), UPD: (240, CAL)},
            Priority.MEDIUM: {ACK: (120, CAL), UPD: (1440, CAL)},
            Priority.LOW: {ACK: (120, CAL), UPD: (1440, CAL)},
        },
    },
    "seed-003": {
        "name": "反馈受理 SLA（003）",
        "description": "1 个工作日内完成受理审核；2 个工作日内完成问题分析。",
        "targets": {p: {ACK: (1, DAYS), RESP: (2, DAYS), UPD: (1440, CAL)} for p in Priority},
    },
}
DEFAULT_PRESET = "seed-001"
DEFAULT_PAUSE_STATUSES = ["pending", "waiting_customer", "waiting_parts"]

