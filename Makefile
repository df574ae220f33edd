# Borne — the two set-up commands are `make run` and `make test`; both
# install what is missing first (Debian packages through apt-get).
SHELL := /bin/bash
GO    ?= go
BIN   := bin
# System packages: GTK 3 and WebKitGTK dev files, SANE, CUPS IPP tools, a
# virtual display with input and screenshot tools, fonts for every script,
# speech (espeak-ng, ALSA), the accessibility bus and its Python client for
# the screen-reader tests, PDF checkers.
APT_PACKAGES := gcc pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev libsane-dev sane-utils \
	cups-ipp-utils xvfb xauth xdotool imagemagick fonts-noto-core fonts-dejavu-core \
	librsvg2-common gettext sqlite3 dbus at-spi2-core python3-pyatspi espeak-ng alsa-utils \
	qpdf poppler-utils avahi-daemon ghostscript fonts-noto-cjk libjpeg62-turbo-dev \
	tesseract-ocr tesseract-ocr-fra systemd libxtst-dev xinput libxml2-utils
# The fleet side: the statistics collector's tests start a real PostgreSQL
# server; promtool (in prometheus) checks and tests the alerting rules.
APT_PACKAGES += postgresql prometheus
# Software updates: the signed apt repository (reprepro, gpg) and its tests
# (apt-ftparchive makes an unsigned one to refuse).
APT_PACKAGES += reprepro gnupg apt-utils
# The production session: the compositor, grim for the package test's
# screenshots, lintian for the .deb, sane-airscan (a run-time dependency of
# the .deb the test installs, and the simulated lobby's network scanner).
APT_PACKAGES += cage xwayland grim lintian sane-airscan
# The simulated lobby's CUPS scheduler and its queue.
APT_PACKAGES += cups-daemon cups-client cups-filters
# The ticket's calendar QR codes are read back with zbar; WebKit's own
# French and Arabic words on web pages are read with Tesseract.
APT_PACKAGES += zbar-tools tesseract-ocr-ara
# The privacy tests read the X selections after a visit (clipboard wiped)
# and list top-level X windows (x11-utils: xwininfo).
APT_PACKAGES += xclip x11-utils
# The peers the shrink benchmark compares against (make bench only).
BENCH_PACKAGES := ocrmypdf img2pdf pngquant
# Per package: ui/cmd/kiosk took 16 min under -race on 2 cores shared with
# six other builds.
TEST_TIMEOUT ?= 30m
# The UI step's race flag: `make test UI_RACE=` runs ./ui/... without the
# race detector, to measure what -race costs there (README "The two commands").
UI_RACE ?= -race
# The shared corpus of scans, beside the repository.
CORPUS ?= ../shared/corpus
# Where `make run` saves a PNG of every screen when there is no display,
# inside the lobby's run directory.
SHOTS ?= shots

.PHONY: deps apt build deb run test bench fuzz clean

deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES)"
	@command -v $(GO) >/dev/null || { echo "deps: Go 1.26 is needed (https://go.dev/dl)"; exit 1; }

# apt installs whichever of PACKAGES is missing, and nothing when all are there;
# it waits for another apt (a second make in another checkout) instead of failing.
apt:
	@missing=$$(for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	$(GO) build -o $(BIN)/kiosk ./ui/cmd/kiosk
	$(GO) build -o $(BIN)/kioskctl ./provisioning/cmd/kioskctl
	$(GO) build -o $(BIN)/testbench ./testbench/cmd/testbench
	$(GO) build -o $(BIN)/collector ./provisioning/cmd/collector

# The kiosk's Debian package, for apt install ./dist/borne_VERSION_ARCH.deb
# and for the fleet's signed apt repository (README "Software updates"):
# stripped binaries, as Debian ships them.
VERSION ?= 0.1.0
DEB_ARCH ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
deb: deps
	$(GO) build -ldflags='-s -w' -o $(BIN)/deb/kiosk ./ui/cmd/kiosk
	$(GO) build -ldflags='-s -w' -o $(BIN)/deb/kioskctl ./provisioning/cmd/kioskctl
	@mkdir -p dist
	$(BIN)/deb/kioskctl system deb --kiosk $(BIN)/deb/kiosk --kioskctl $(BIN)/deb/kioskctl --version $(VERSION) \
		--arch $(DEB_ARCH) --out dist/borne_$(VERSION)_$(DEB_ARCH).deb
	lintian --fail-on error dist/borne_$(VERSION)_$(DEB_ARCH).deb

# The kiosk on the simulated lobby. With a display: a window you can close.
# Without one: full screen on a virtual display, every screen saved to
# RUN/shots. The lobby keeps its files in RUN (or RUN-2… when another lobby
# holds it) and serves on free ports; {run} is the directory it got.
RUN ?= run
# More flags for the lobby, e.g. LOBBY_FLAGS=--escl: the kiosk scans from the
# lobby's network scanner through sane-airscan.
LOBBY_FLAGS ?=
run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		exec $(BIN)/testbench lobby --run $(RUN) $(LOBBY_FLAGS) -- $(BIN)/kiosk --config {run}/kiosk.toml --windowed $(KIOSK_FLAGS); \
	else \
		echo "run: no display: the kiosk runs on a virtual display (Xvfb); screenshots of every screen go to shots/ in the run directory the lobby names"; \
		exec $(BIN)/testbench lobby --run $(RUN) $(LOBBY_FLAGS) -- $(BIN)/kiosk --config {run}/kiosk.toml --xvfb always --shots {run}/$(SHOTS) $(KIOSK_FLAGS); \
	fi

# internal/ first: its archtest names the import chain that breaks the
# shape (kiosk/ reaching drivers/, ui/ or testbench/; drivers/ reaching
# kiosk/ or ui/; ui/ outside ui/cmd/ reaching drivers/), in seconds.
# The package test's screenshots under cage (a visit in French and Arabic,
# the attract screen after a hang and a crash) are kept in artefacts/cage.
test: build
	$(GO) test -race -timeout $(TEST_TIMEOUT) ./internal/...
	$(GO) vet ./...
	BORNE_SHOTS=$(CURDIR)/artefacts/cage $(GO) test -race -timeout $(TEST_TIMEOUT) ./kiosk/... ./drivers/... ./provisioning/... ./testbench/...
	$(GO) test $(UI_RACE) -timeout $(TEST_TIMEOUT) ./ui/...

# Go benchmarks (cold start, idle RSS, session reset, memory over 10 visits,
# ticket, print round trip…), then the shrink engine against its peers on ../shared/corpus and
# testdata/hard, per kind of document (letter, hard page, ID card, photo):
# about 15 minutes; per-page and per-kind tables in artefacts/bench/.
bench: build
	@$(MAKE) --no-print-directory apt PACKAGES="$(BENCH_PACKAGES)"
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./kiosk/... ./drivers/... ./ui/...
	$(GO) run ./testbench/shrinkbench -kioskctl $(BIN)/kioskctl -corpus $(CORPUS) -hard testdata/hard -out artefacts/bench

# Each fuzz target of the parsers of outside bytes, FUZZTIME each.
FUZZTIME ?= 30s
FUZZ_TARGETS := FuzzParse:./kiosk/config FuzzParseVEvent:./kiosk/ticket FuzzNavigate:./kiosk/webpolicy FuzzInspect:./kiosk/downloads \
	FuzzDecodeAnswer:./drivers/printer FuzzParseStatus:./drivers/receipt FuzzDecodeRender:./internal/escpos \
	FuzzAssembler:./drivers/scanner FuzzDecode:./kiosk/shrink FuzzEncode:./kiosk/shrink/bilevel FuzzJBIG2:./kiosk/shrink/bilevel FuzzParseReport:./testbench/bench \
	FuzzDecodePush:./provisioning/collector FuzzParseProcNet:./provisioning/system FuzzParseSettings:./testbench/escl
fuzz: deps
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} ($${t#*:})"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) "$${t#*:}" || exit 1; \
	done

clean:
	rm -rf $(BIN) artefacts run run-[0-9]* dist
