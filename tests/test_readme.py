"""README's two set-up commands stay true: CI runs exactly the documented test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text()
    assert ci.startswith("bash scripts/install-system-deps.sh") and ci.endswith("ruff check routing maps && mypy routing maps && python -m pytest -q")
    assert f"```bash\n{ci}\n```" in readme


def test_readme_install_and_demo_command_names_the_console_script():
    readme = (ROOT / "README.md").read_text()
    assert '```bash\npip install -e ".[test]" && ektp-route demo --out demo\n```' in readme
    assert "ektp-route = routing.cli:main" in (ROOT / "setup.cfg").read_text()
