"""Maps (maps/routes.py) from plans with absurd text: drawn, bounded, and no template syntax reaches a script."""

from maps.routes import courier_map, js_string, overview_map

from conftest import card, hand_plan


def test_huge_address_and_courier_id_are_cut():
    plan = hand_plan({"K" * 5000: [[card(1, address="Pondok " * 15_000)], [card(2)]]})
    for page in (courier_map(plan, plan.routes[0], 0), overview_map(plan)):
        assert len(page) < 400_000  # Leaflet inlined is about 150 KB; the address is 105 KB
        assert "K" * 40 + "\\u2026[dipotong]" in page  # in the script, as a JSON escape
        assert "K" * 41 not in page


def test_no_brace_from_the_data_reaches_a_script():
    """branca compiles rendered scripts once more as Jinja templates: data must bring no braces."""
    text = "{{ lipsum.__globals__.os.getcwd() }} {% if 1 %}{# x"
    plan = hand_plan({text: [[card(1, address=text, nama=text)]]})
    page = overview_map(plan, banner=text) + courier_map(plan, plan.routes[0], 0, banner=text)
    assert "{{ lipsum" not in page and "{%" not in page and "{#" not in page
    # As HTML character references inside the JSON strings: popups, tooltips and layer names, both maps.
    assert page.count("\\u0026#123;\\u0026#123; lipsum") >= 5


def test_js_string_leaves_nothing_that_ends_a_script_or_a_literal():
    for text in ("</script>", "<!--", "`${x}`", "\u2028\u2029", "'\"\\", "{{x}}", "&amp;"):
        out = js_string(text)
        assert not set(out) & set("<>&'{}\u2028\u2029") and out.startswith('"') and out.endswith('"')
