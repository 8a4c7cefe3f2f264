"""Every piece of UI text exists in Vietnamese and Chinese, with the same placeholders."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import i18n as catalog_tool  # noqa: E402

from app.i18n import reload_catalogs, set_language, translate, _  # noqa: E402


def test_every_string_in_the_code_is_translated_into_vietnamese_and_chinese():
    problems = catalog_tool.problems()
    assert problems == [], "\n".join(problems[:30])


def test_the_app_reads_the_catalogs():
    reload_catalogs()
    assert translate("Wrong user name or password.", "vi") != "Wrong user name or password."
    assert translate("Wrong user name or password.", "zh_CN") != "Wrong user name or password."
    set_language("en")
    assert _("Wrong user name or password.") == "Wrong user name or password."
    set_language("vi")
