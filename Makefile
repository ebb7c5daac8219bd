# convanim: `make demo` renders the default scene, `make test` runs the whole suite.
# Both install what they need first: Debian libraries for Manim/Pango/Cairo and a CJK font,
# a virtual environment in .venv, the package and its extras.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := libpango1.0-dev libcairo2-dev pkg-config fonts-wqy-microhei fonts-droid-fallback fonts-dejavu-core chromium
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint format system-deps install bench clean goldens

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(MAKE) system-deps
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/convanim inspect scenes/standard_conv.yaml
	$(BIN)/convanim render scenes/standard_conv.yaml --format mp4
	$(BIN)/convanim render scenes/standard_conv.yaml --format gif

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not render and not slow"

lint: install
	$(BIN)/ruff check convanim tests benchmarks
	$(BIN)/ruff format --check convanim tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format convanim tests benchmarks
	$(BIN)/ruff check --fix convanim tests benchmarks

bench: install
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache media/*.mp4 media/*.gif media/*.webm media/*.png

# Scenes exported from the PyTorch modules in examples/models/ (needs torch: the test extra has it).
scenes/conv_bn_relu.yaml: examples/models/conv_bn_relu.py tools/export_scenes.py | install
	$(BIN)/python tools/export_scenes.py

scenes/lenet_digit.yaml: examples/models/digit_lenet.py examples/models/digit_lenet.npz tools/export_scenes.py | install
	$(BIN)/python tools/export_scenes.py

# The trained weights of the digit LeNet (about a minute of CPU; deterministic on one machine).
examples/models/digit_lenet.npz: tools/train_lenet.py tools/synthetic_digits.py | install
	$(BIN)/python tools/train_lenet.py --no-export
