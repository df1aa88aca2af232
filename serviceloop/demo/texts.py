"""Ticket texts: the non-fault requests per ticket type, what people write along the way (replies,
notes, calls, confirmations), and the profiles — ready-made ticket texts per product model that
thousands of tickets share, so that choosing one costs a single list index.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from serviceloop.assets.models import ProductKind
from serviceloop.tickets.choices import TicketType, Urgency

from .faults import MODEL_PROBLEMS, PROBLEMS, RECURRING
from .reference import CATEGORY_TREE, HARDWARE, NETWORK, PRODUCT_MODELS, SERVICE, SOFTWARE, Reference

# Non-fault tickets: (category leaf, model families it fits or None for no product,
# [(title, customer's description)], answer). Families: machine, netdev, component, software.
OTHER_TYPES = {
    TicketType.SERVICE_REQUEST: [
        (
            "上门安装",
            {"machine", "netdev"},
            [
                (
                    "申请上门安装调试{m}",
                    "我们新采购的{m}已经到货，希望安排工程师下周上门安装调试，并给操作人员做简单培训。",
                ),
                ("新购{m}到货，申请安装", "新采购的{m}昨天到货，机房已准备好，请尽快安排工程师上门安装。"),
            ],
            "已安排工程师上门完成安装调试，并现场讲解日常操作要点。",
        ),
        (
            "备件更换",
            {"component"},
            [("申请更换{m}", "设备里的{m}已确认损坏，申请寄送备件并安排工程师更换。")],
            "备件已寄出并由工程师现场更换完毕，旧件已回收。",
        ),
        (
            "备件更换",
            {"machine"},
            [("{m}易损件到期更换", "按保养计划，{m}的滤网和风扇等易损件需要更换，请安排备件。")],
            "易损件已更换完毕，并更新了设备保养记录。",
        ),
        (
            "巡检保养",
            {"machine", "netdev"},
            [
                ("申请{m}年度巡检保养", "合同约定每年一次巡检，请安排本月上门巡检{m}。"),
                ("{m}季度巡检预约", "本季度的{m}巡检请安排在周五下午，届时产线停机检修。"),
            ],
            "已完成现场巡检，出具巡检报告，设备状态良好。",
        ),
        (
            "操作培训",
            {"machine", "software"},
            [("申请{m}操作培训", "新入职 8 名操作员，希望安排一次{m}操作培训，线上线下均可。")],
            "已完成 2 小时线上培训，培训材料已发送至客户邮箱。",
        ),
        (
            "版本升级",
            {"software"},
            [("申请将{m}升级到最新版本", "听说新版本修复了报表导出的问题，希望安排周末远程升级{m}。")],
            "已于周六晚完成远程升级，升级后功能验证正常。",
        ),
        (
            "版本升级",
            {"netdev", "machine"},
            [("申请升级{m}固件", "厂家通知{m}固件有安全漏洞修复，请安排维护窗口升级固件。")],
            "已在维护窗口内完成固件升级，业务验证正常。",
        ),
    ],
    TicketType.CONSULTATION: [
        (
            "产品功能",
            {"machine"},
            [
                ("咨询{m}是否支持双电源冗余", "我们机房要求关键设备双路供电，想了解{m}是否支持双电源冗余。"),
                ("咨询{m}最多支持几路扩展", "产线要扩容，想了解{m}最多能接几块扩展板卡。"),
            ],
            "您好，{m}支持该配置，具体参数请参考产品规格书第 2 章，如需方案可联系客户经理。",
        ),
        (
            "产品功能",
            {"software"},
            [
                ("咨询{m}能否对接企业微信", "我们内部用企业微信办公，想知道{m}的消息能不能推送到企业微信。"),
                ("咨询{m}的数据能否导出到 Excel", "财务需要定期导出明细，{m}能不能批量导出到 Excel？"),
                ("咨询{m}是否支持国产操作系统", "单位要做信创改造，{m}能否部署在麒麟或统信系统上？"),
            ],
            "您好，{m}支持该功能，具体配置步骤请参考用户手册第 3 章，如需远程协助可随时联系我们。",
        ),
        (
            "产品功能",
            {"netdev"},
            [
                ("咨询{m}是否支持 IPv6", "按上级要求要开通 IPv6，想确认{m}是否支持。"),
                ("咨询{m}能否配置双机热备", "核心链路想做冗余，{m}能不能两台做双机热备？"),
            ],
            "您好，{m}支持该功能，配置指导已发送至您的邮箱。",
        ),
        (
            "价格与合同",
            None,
            [
                ("咨询续签维保合同的价格", "我们的维保合同下个月到期，想了解续签价格和服务内容有没有变化。"),
                (
                    "咨询从银牌升级到金牌服务的费用",
                    "想了解从银牌服务升级到金牌服务需要多少费用，响应时间有什么区别。",
                ),
                ("询问增加 50 个用户授权的报价", "公司扩编，需要再增加 50 个用户授权，请提供报价。"),
            ],
            "您好，报价单已发送至您的邮箱，客户经理会在两个工作日内与您联系。",
        ),
        (
            "保修政策",
            {"machine", "netdev", "component"},
            [
                ("咨询{m}是否还在保修期内", "我们的{m}是前年买的，想确认一下现在还在不在保修期内。"),
                ("咨询{m}过保后维修如何收费", "{m}快过保了，想了解过保后维修怎么收费，能不能续保。"),
            ],
            "您好，已根据序列号查询保修状态并回复，过保维修按备件成本加工时收费，也可购买延保。",
        ),
    ],
    TicketType.COMPLAINT: [
        (
            "响应超时",
            None,
            [
                (
                    "工单提交三天无人处理",
                    "上周报修的问题到现在都没人联系我们，打热线也只说在排队，严重影响生产，非常不满意！",
                ),
                ("报修后工程师迟迟未联系", "前天报修的故障，说好 4 小时内联系，到现在都没有消息。"),
            ],
            "非常抱歉给您带来不便，我们已核实原因并安排主管专人跟进，今后将严格执行响应时限。",
        ),
        (
            "服务态度",
            None,
            [
                ("热线客服态度差，多次转接", "打了三次热线都被转来转去，没有人能说清楚什么时候处理。"),
                (
                    "上门工程师迟到两小时且未提前通知",
                    "约好上午 9 点上门，工程师 11 点才到，也没有提前打电话。",
                ),
            ],
            "非常抱歉，我们已对相关人员进行通报并安排主管回访，同时调整了上门预约提醒流程。",
        ),
        (
            "维修质量",
            {"machine", "netdev", "component"},
            [
                (
                    "{m}同一故障反复出现第三次",
                    "{m}同样的故障已经修了三次，每次修好用不了几天又坏，要求给出彻底的解决方案。",
                ),
                ("更换的{m}仍有问题，要求整机更换", "上周刚换的{m}又出现同样的问题，要求直接更换整机。"),
            ],
            "已安排技术负责人现场复核，更换整机并延长保修 6 个月，后续安排专人回访。",
        ),
    ],
    TicketType.SUGGESTION: [
        (
            "功能需求",
            {"software"},
            [
                (
                    "建议{m}增加批量导入功能",
                    "我们每个月都要手工录入上百条数据，建议{m}提供 Excel 批量导入，能省不少时间。",
                ),
                (
                    "希望{m}报表支持按月自动发送邮件",
                    "每月初都要手动导出报表发给领导，希望{m}能定时自动发送。",
                ),
                ("希望{m}告警能推送到钉钉", "值班人员都用钉钉，希望{m}的告警能直接推送到钉钉群。"),
            ],
            "感谢建议，产品经理已评估并纳入下一版本规划，预计在 Q3 版本中提供。",
        ),
        (
            "功能需求",
            {"machine", "netdev"},
            [("建议{m}支持远程开关机", "设备分布在多个厂区，建议{m}支持远程开关机，减少现场跑动。")],
            "感谢建议，该需求已提交硬件产品线评估，评估结论会在一个月内答复。",
        ),
        (
            "体验改进",
            {"software"},
            [
                (
                    "建议{m}手机端支持离线填写",
                    "现场网络不好的时候没法用，建议{m}支持离线填写、联网后自动同步。",
                ),
                ("建议{m}界面字体可调大", "车间师傅年纪大，看不清，建议{m}支持调大字体。"),
            ],
            "感谢反馈，该改进已记录到需求池，我们会在评估后答复具体排期。",
        ),
        (
            "体验改进",
            None,
            [
                (
                    "建议提供更详细的中文操作手册",
                    "现在的手册太简略，很多报错找不到说明，建议补充常见问题章节。",
                )
            ],
            "感谢反馈，新版中文手册已在编写中，发布后会第一时间发送给您。",
        ),
    ],
    TicketType.OTHER: [
        (
            "发票与资料",
            None,
            [
                (
                    "申请开具上季度维保费增值税专用发票",
                    "财务需要上季度维保费的专票，开票信息和之前一致，麻烦尽快开具。",
                ),
                ("请提供产品说明书和合格证扫描件", "审计需要设备的说明书和合格证，请发扫描件到我的邮箱。"),
                ("申请提供设备出厂检测报告", "验收需要设备出厂检测报告，请提供盖章版本。"),
            ],
            "资料已整理并发送至您的邮箱，纸质版已通过快递寄出。",
        ),
        (
            "信息变更",
            None,
            [
                (
                    "我司联系人变更，请更新联系方式",
                    "原对接人已离职，后续请联系新的设备管理员，联系方式见附件。",
                ),
                ("申请变更收货地址", "公司搬迁到新园区，后续备件请寄到新地址。"),
            ],
            "已更新贵司信息，后续通知和备件将按新信息发送。",
        ),
    ],
}

GREETINGS = ["您好，", "你好，", ""]
CLOSINGS = [
    "麻烦尽快安排工程师处理，谢谢！",
    "生产比较急，请尽快处理。",
    "请尽快联系我们。",
    "辛苦尽快看一下。",
]
ENV = {
    HARDWARE: ["{m}，固件 {v}；机房温度 {t}℃，UPS 供电", "{m}，固件 {v}；车间现场，市电直供",
               "{m}，固件 {v}；双路市电，机柜安装"],
    SOFTWARE: ["Windows Server 2019 / SQL Server 2017 / {m} {v}", "麒麟 V10 SP2 / 达梦 DM8 / {m} {v}",
               "CentOS 7.9 / PostgreSQL 13 / {m} {v}", "统信 UOS 20 / MySQL 8.0 / {m} {v}",
               "Windows 10 专业版 / Chrome 120 / {m} {v}"],
    NETWORK: ["{m}，固件 {v}；上联核心交换机，电信专线 200M", "{m}，固件 {v}；双 WAN 口，联通 + 移动",
              "{m}，固件 {v}；厂区光纤环网"],
}

# (business interrupted, users affected low, high, impact text) per urgency (CLS-2).
IMPACTS = {
    Urgency.CRITICAL: [
        (True, 200, 3000, "整条生产线停产，约 {n} 人无法作业，每小时损失约 20 万元"),
        (True, 300, 2000, "核心业务系统全部不可用，约 {n} 名用户受影响"),
        (True, 100, 1500, "所有门店无法收银，影响约 {n} 名员工及大量顾客"),
    ],
    Urgency.URGENT: [
        (True, 20, 300, "一条产线停工，影响 {n} 名员工"),
        (True, 10, 200, "分支机构业务中断，约 {n} 人无法办公"),
        (True, 30, 400, "对外服务窗口暂停受理，约 {n} 人受影响"),
    ],
    Urgency.IMPORTANT: [
        (False, 5, 80, "部分用户（约 {n} 人）使用受影响，可临时绕过"),
        (False, 3, 40, "报表延迟出具，影响 {n} 名业务人员工作效率"),
        (False, 5, 60, "备用设备可顶替，但效率下降，约 {n} 人受影响"),
    ],
    Urgency.NORMAL: [
        (False, 0, 3, "暂不影响正常业务"),
        (False, 1, 5, "仅个别用户（{n} 人）受影响，不影响业务"),
    ],
}

FIRST_REPLIES = ["您好，已收到您的反馈，我们正在安排工程师排查，请保持电话畅通。",
                 "您好，工单已受理。为便于定位问题，请提供设备序列号和故障时的照片或日志。",
                 "您好，我们已远程查看了日志，工程师稍后会电话联系您确认现场情况。",
                 "您好，您的问题已转交专业工程师处理，预计 2 小时内给您初步答复。"]
NOTES = {
    HARDWARE: [
        "远程查看告警日志，怀疑硬件故障，需上门检测。",
        "已确认备件库存，华东仓有货，可次日送达。",
        "现场测量输入电压正常，故障定位在设备内部。",
    ],
    SOFTWARE: [
        "已收集应用日志和数据库慢查询日志，正在分析。",
        "测试环境可复现，已提交研发确认。",
        "与客户确认版本号及最近变更记录，排除网络因素。",
    ],
    NETWORK: [
        "抓包显示存在大量重传，怀疑链路质量问题。",
        "已远程登录设备查看端口统计，CRC 错误计数持续增加。",
        "与运营商确认线路无异常。",
    ],
    SERVICE: [
        "已调取通话录音和历史工单，核实客户反映情况属实。",
        "已与客户经理沟通，安排主管回访。",
        "客户情绪较激动，需在今天内给出明确答复。",
    ],
}
FEEDBACK = [("客户表示问题仍然存在，同意明天上午安排上门", "安排工程师明早 9 点上门，携带备件"),
            ("客户已按指导操作，现象有所缓解", "继续观察 24 小时后回访"),
            ("客户提供了故障照片和日志", "提交二线工程师分析"),
            ("客户希望尽快给出书面处理方案", "今天下班前发送处理方案邮件")]
CUSTOMER_REPLIES = [
    "请问什么时候能上门？我们这边比较急。",
    "日志和照片已经发到邮箱，请查收。",
    "好的，我们这边等你们的消息。",
]
CONFIRMATIONS = [
    "已经恢复正常了，谢谢！",
    "确认问题已解决，感谢工程师的耐心处理。",
    "测试没问题了，可以关闭工单。",
]
REOPEN_REASONS = ["问题又出现了，今天上午又发生了一次。", "更换后只好了两天，现在还是同样的现象。"]
ESCALATION_NOTES = ["一线处理未能解决，升级至二线技术负责人。", "涉及软件缺陷，需研发介入分析。",
                    "客户为金牌合同且影响生产，升级处理。"]
PENDING_NOTES = ["已确认为产品缺陷，修复将包含在下个版本中。", "等待厂商提供新版固件，预计下月发布。"]
OVERRIDE_REASONS = [
    "金牌客户，客户总经理亲自来电催办",
    "影响客户月底结算，主管决定提级处理",
    "同类问题多家客户反馈，提级统一处理",
]
# What the history generator writes along the way (history.py).
PROGRESS_UPDATES = [
    "已同步最新进展：工程师正在排查，预计明天给出结论。",
    "今日进展：已完成日志分析，正在复现问题。",
    "进展同步：已联系研发二线协助分析，有结果第一时间通知您。",
    "已按约定回访，当前处理仍在进行中。",
]
WAITING_PARTS_NOTES = [
    "需更换故障部件，已向备件库申请，预计 2~3 个工作日到货。",
    "备件华东仓缺货，已从华南仓调拨。",
]
WAITING_CUSTOMER_NOTES = [
    "已请客户提供故障时段的日志和现场照片，等待客户回复。",
    "需客户安排停机窗口后才能上门处理。",
]
RESUME_NOTES = {"waiting_parts": ["备件已到货，工程师已预约上门更换。", "调拨备件已签收，继续处理。"],
                "waiting_customer": ["客户已提供日志和照片，继续分析。", "客户已确认停机窗口，按计划处理。"]}
SUB_STATUS_NOTES = {
    "contacted": "已电话联系客户确认故障现象。",
    "diagnosed": "故障已定位，处理方案已与客户确认。",
    "picked_up": "故障设备已取回返修中心。",
    "repairing": "返修中心已开始维修。",
    "repaired": "维修完成，已通过出厂检测。",
    "shipped": "设备已寄回，快递单号已短信告知客户。",
}


@dataclass(frozen=True)
class Profile:
    """A ready-made ticket text and its classification; thousands of tickets share each one."""

    category: int | None
    area: str
    model: str | None
    title: str
    description: str
    objective: str
    error_code: str
    steps: str
    environment: str
    tried: str
    solution: str  # the public reply that resolves it
    note: str  # the engineer's internal diagnosis


def _spaced(text: str, display: str) -> str:
    """Put a space between a model name ending in Latin text and the Chinese that follows it.

    "设备 X-3000 无法开机", not "设备 X-3000无法开机": the usual rule of Chinese copy-editing.
    """
    if not display:
        return text
    return re.sub(re.escape(display) + r"(?=[\u3400-\u9fff])", display + " ", text)


def _family(code: str) -> str:
    """A product model's family for matching texts: machine, netdev, component or software."""
    _code, _name, kind, _w, _core, area, _prefix, _versions = next(p for p in PRODUCT_MODELS if p[0] == code)
    if kind == ProductKind.COMPONENT:
        return "component"
    return {NETWORK: "netdev", SOFTWARE: "software"}.get(area, "machine")


def build_profiles(ref: Reference, rng: random.Random, variants: int = 2) -> dict[str, list[Profile]]:
    """Render the text cases into profiles per ticket type (plus a hardware-fault pool).

    Faults are rendered per product model and per category that fits it, so the category, group
    and product of a ticket always agree with its text.
    """
    pools: dict[str, list[Profile]] = {t: [] for t in TicketType.values}
    pools["hardware_problem"] = []
    models = [(code, *ref.models[code]) for code, *_rest in PRODUCT_MODELS if code in ref.models]
    versions = {p[0]: p[7] for p in PRODUCT_MODELS}
    root_of = {leaf: root for root, _t, leaves in CATEGORY_TREE for leaf in leaves}
    area_of_root = {"硬件类": HARDWARE, "软件类": SOFTWARE, "网络类": NETWORK}
    for code, display, _area, _core in models:
        for leaf in MODEL_PROBLEMS.get(code, []):
            root = root_of[leaf]
            area = area_of_root[root]
            spec = PROBLEMS[leaf]
            for case, (title, symptom, error, steps, finding, fix) in enumerate(spec["cases"]):
                for _ in range(variants):
                    version = rng.choice(versions[code])
                    profile = Profile(
                        category=ref.categories.get(f"{root}/{leaf}"), area=area, model=code,
                        title=_spaced(title.format(m=display), display),
                        description=_spaced(f"{rng.choice(GREETINGS)}我们的{display}出现问题：{symptom}。"
                                            f"具体提示：{error}。{rng.choice(CLOSINGS)}", display),
                        objective=(f"【现象】{symptom}。\n【型号/版本】{display}，{version}\n【报错】{error}\n"
                                   f"【初步判断】{finding}"),
                        error_code=error, steps=steps,
                        environment=rng.choice(ENV[area]).format(m=display, v=version, t=rng.randint(22, 31)),
                        tried=rng.choice(spec["tried"]), solution=fix, note=f"诊断结论：{finding}。",
                    )
                    copies = RECURRING.get((code, leaf, case), 1)
                    pools[TicketType.PROBLEM].extend([profile] * copies)
                    if area == HARDWARE:
                        pools["hardware_problem"].extend([profile] * copies)
    for ticket_type, specs in OTHER_TYPES.items():
        root = next(r for r, t, _c in CATEGORY_TREE if t == ticket_type)
        for leaf, families, texts, answer in specs:
            fitting = (
                [m for m in models if _family(m[0]) in families] if families else [(None, "", SERVICE, True)]
            )
            for code, display, model_area, _core in fitting:
                # Complaints go to customer relations whatever the product.
                area = SERVICE if ticket_type == TicketType.COMPLAINT else model_area
                for title, description in texts:
                    title = _spaced(title.format(m=display), display)
                    version = rng.choice(versions[code]) if code else ""
                    pools[ticket_type].append(
                        Profile(
                            category=ref.categories.get(f"{root}/{leaf}"),
                            area=area,
                            model=code,
                            title=title,
                            description=_spaced(description.format(m=display), display),
                            objective=f"客户反映：{title}。"
                            + (f"涉及产品：{display}，版本 {version}。" if code else ""),
                            error_code="",
                            steps="",
                            environment=rng.choice(ENV[model_area]).format(m=display, v=version, t=25)
                            if code
                            else "",
                            tried="",
                            solution=_spaced(answer.format(m=display), display),
                            note=rng.choice(NOTES[area]),
                        )
                    )
    return pools
