"""article_search: the suggestions while a problem is written and while a ticket is handled (KB-4, PRG-3)."""

from __future__ import annotations

import pytest

from serviceloop.assets.models import ProductModel
from serviceloop.knowledge import services
from serviceloop.knowledge.searchtext import normalise, terms
from serviceloop.knowledge.selectors import article_search

pytestmark = pytest.mark.django_db


def published(world, title, *, scenario="", visibility="public", models=(), tags=()):
    article = services.article_create(
        actor=world.alice,
        title=title,
        scenario=scenario,
        visibility=visibility,
        product_models=list(models),
        tags=list(tags),
    )
    services.article_submit(article=article, actor=world.alice)
    return services.article_publish(article=article, actor=world.tom)


def test_terms_fold_width_and_case_and_cut_long_chinese_runs_into_pairs():
    assert normalise("ＰＷＲ－０１ Error") == "pwr-01 error"
    assert terms("电源指示灯不亮") == ["电源", "源指", "指示", "示灯", "灯不", "不亮"]
    assert terms("开机 E101 0x80070005") == ["开机", "e101", "0x80070005"]
    assert terms("的 了 \"*\" % _ \ud800") == []
    assert len(terms("设备" * 1000 + " ".join(f"w{i}" for i in range(100)))) <= 24


def test_title_hits_rank_first_and_hidden_articles_never_reach_customers(world):
    in_text = published(world, "开机检查清单", scenario="出现 E101 时先检查电源模块。")
    in_title = published(world, "E101 电源模块故障")
    internal = published(world, "E101 内部处理办法", visibility="internal")
    draft = services.article_create(actor=world.alice, title="E101 草稿", visibility="public")
    assert article_search(world.carol, "E101") == [in_title, in_text]
    staff = article_search(world.alice, "E101")
    assert internal in staff and draft not in staff  # staff get suggestions from published articles only
    assert article_search(world.carol, "") == [] and article_search(world.carol, "\"* OR NEAR -") == []


def test_a_customers_sentence_finds_the_article_by_its_words(world):
    article = published(world, "指示灯不亮怎么办", scenario="电源指示灯不亮，设备无法开机。")
    published(world, "报表导出很慢", scenario="固件升级后导出变慢。")
    assert article_search(world.carol, "我们的设备今天早上电源指示灯一直不亮，请帮忙看看") == [article]


def test_a_product_model_boosts_its_articles_and_leaves_out_other_models(world):
    x3000 = world.product_a.product_model
    other = ProductModel.objects.create(code="Y-9", name="另一设备")
    general = published(world, "上电无显示的通用排查")
    own = published(world, "X-3000 上电无显示", models=[x3000])
    foreign = published(world, "Y-9 上电无显示", models=[other])
    found = article_search(world.alice, "上电无显示", product_model=x3000)
    assert found[0] == own and general in found and foreign not in found


def test_the_limit_is_kept(world):
    for i in range(7):
        published(world, f"电源故障 {i}")
    assert len(article_search(world.carol, "电源故障", limit=5)) == 5
