# convdash: PostgreSQL extension (extension/, sql/) + HTTP service (api/).
#
#   make demo    install what is missing, build, start a private cluster with demo data and the service
#   make test    install what is missing, build, run every test; ends with "N passed, N failed"
#   make bench   the benchmark at scale (not part of make test)
#   make fuzz    libFuzzer over the audio decoder (not part of make test)

EXTENSION  = convdash
EXTVERSION = 0.2
# the versions before EXTVERSION, oldest first: each has a frozen install
# script sql/convdash--V.sql and an upgrade to the next one (docs/CONVENTIONS.md)
PREVIOUS   = 0.1
LAST       = $(lastword $(PREVIOUS))

MODULE_big = convdash
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard extension/*.c)))

UPGRADE      = sql/$(EXTENSION)--$(LAST)--$(EXTVERSION).sql
UPGRADE_DIR  = sql/upgrade/$(LAST)--$(EXTVERSION)
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql $(UPGRADE)
DATA         = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
SQL_PARTS    = $(sort $(wildcard sql/parts/*.sql))
UPGRADE_PARTS = $(sort $(wildcard $(UPGRADE_DIR)/*.sql))

# audio_chunks is generated from audio (below): the same test and results, clips kept as chunks
TESTS        = $(sort $(wildcard test/regress/sql/*.sql) test/regress/sql/audio_chunks.sql)
REGRESS      = $(patsubst test/regress/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test/regress --load-extension=pg_trgm --load-extension=$(EXTENSION)

ISOLATION_SPECS = $(sort $(wildcard test/isolation/specs/*.spec))
ISOLATION       = $(patsubst test/isolation/specs/%.spec,%,$(ISOLATION_SPECS))
ISOLATION_OPTS  = --inputdir=test/isolation --load-extension=pg_trgm --load-extension=$(EXTENSION)

PG_CPPFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Wno-cast-function-type

PG_CONFIG ?= $(shell command -v pg_config 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifeq ($(wildcard $(PGXS)),)
# A fresh machine has no PostgreSQL build tools yet. A plain build says what
# to install; the targets that set up a machine (deps, test, demo) install it.
.PHONY: all install installcheck api deps test test-asan demo demo-reset bench fuzz
all install installcheck api:
	@echo "PostgreSQL 15 build tools (PGXS) not found; install them with:" >&2
	@scripts/install-deps.sh --print >&2
	@echo "or run make deps (make test and make demo install them too)." >&2
	@exit 1
deps:
	scripts/install-deps.sh
ifdef DEPS_INSTALLED
test test-asan demo demo-reset bench fuzz:
	@echo "PGXS still not found after installing the packages: set PG_CONFIG" >&2; exit 1
else
test test-asan demo demo-reset bench fuzz:
	scripts/install-deps.sh
	$(MAKE) $@ DEPS_INSTALLED=1
endif
else
include $(PGXS)

# The install script is the concatenation of the parts, in file-name order.
sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $(SQL_PARTS) > $@

# The upgrade from the last release: the hand-written pieces of
# sql/upgrade/LAST--EXTVERSION/ (table DDL, DROPs of changed signatures), then
# every routine, view and trigger of the new install script redefined, then
# the grants again. test/upgrade proves the result equals a fresh install.
$(UPGRADE): $(UPGRADE_PARTS) sql/$(EXTENSION)--$(EXTVERSION).sql scripts/sql-redefine.pl sql/parts/99_grants.sql
	{ printf -- '-- Upgrade convdash from $(LAST) to $(EXTVERSION): built by make from $(UPGRADE_DIR)/\n'; \
	  printf -- '-- and the definitions of sql/$(EXTENSION)--$(EXTVERSION).sql; do not edit.\n'; \
	  printf '\\echo Use "ALTER EXTENSION $(EXTENSION) UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \\quit\n'; \
	  for f in $(UPGRADE_PARTS); do printf '\n-- %s\n' "$$f"; cat "$$f"; done; \
	  printf '\n-- every routine, view and trigger as in the install script\n'; \
	  scripts/sql-redefine.pl sql/$(EXTENSION)--$(EXTVERSION).sql; \
	  cat sql/parts/99_grants.sql; } > $@

# The audio regress test once per storage: audio_chunks.sql is audio.sql
# with convdash.audio_storage = chunks set where it echoes nothing, so its
# expected output is audio.out itself (and both change together).
test/regress/sql/audio_chunks.sql: test/regress/sql/audio.sql
	sed 's|^\\i test/regress/include/storage.sql$$|&\nSET convdash.audio_storage = chunks;|' $< > $@
	grep -q '^SET convdash.audio_storage = chunks;$$' $@
test/regress/expected/audio_chunks.out: test/regress/expected/audio.out
	cp $< $@
installcheck: test/regress/sql/audio_chunks.sql test/regress/expected/audio_chunks.out
all: test/regress/sql/audio_chunks.sql test/regress/expected/audio_chunks.out

# The service builds separately from the extension (make api), so that PGXS's
# install target needs only the extension.
.PHONY: api deps test demo demo-reset demo-stop bench test-asan fuzz install-decoder

# The audio decoder program (decoder/) is built with the library and
# installed beside it; the extension runs it for each clip it decodes.
all: decoder/convdash_decode
decoder/convdash_decode: $(wildcard decoder/*.c decoder/*.h)
	$(MAKE) -C decoder convdash_decode
install: install-decoder
install-decoder: decoder/convdash_decode
	$(INSTALL_PROGRAM) decoder/convdash_decode '$(DESTDIR)$(pkglibdir)/convdash_decode'

# libFuzzer over every container and codec the decoder accepts (not in make test).
fuzz: deps
	decoder/fuzz.sh

api:
	@if [ -f api/Makefile ]; then $(MAKE) -C api; fi

deps:
	scripts/install-deps.sh

test: deps
	$(MAKE) all api
	scripts/as-root.sh $(MAKE) install
	test/run.sh

# The API suite always runs the service built with AddressSanitizer and UBSan;
# this runs that suite alone.
test-asan: deps
	$(MAKE) all api
	scripts/as-root.sh $(MAKE) install
	test/run.sh api

demo: deps
	$(MAKE) all api
	scripts/as-root.sh $(MAKE) install
	scripts/demo.sh start

demo-reset: deps
	$(MAKE) all api
	scripts/as-root.sh $(MAKE) install
	scripts/demo.sh reset

demo-stop:
	scripts/demo.sh stop

bench: deps
	$(MAKE) all api
	scripts/as-root.sh $(MAKE) install
	bench/run.sh

clean: clean-api
clean-api:
	@if [ -f api/Makefile ]; then $(MAKE) -C api clean; fi
	$(MAKE) -C decoder clean
endif
