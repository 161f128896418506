# defaults_policy: PGXS build
#
#   make test   install what is missing, build with -Werror, run every suite
#   make test SANITIZE=1
#               the same with the extension built under AddressSanitizer and
#               UndefinedBehaviorSanitizer; any sanitizer report fails the run
#   make demo   install what is missing, build, show the extension at work
#   make bench  install what is missing, build, run the benchmarks in test/bench
#   make fuzz   build, fuzz 100,000 cases (FUZZ_CASES, FUZZ_SEED override)
#   make test-core
#               PostgreSQL's own regression suite without the extension and
#               with it under enforce = warn and = error, compared test by test
#               (fetches the source with apt-get source; CORE_SRC: a tree)
#   make test-citus
#               the Citus suite on a throwaway coordinator and two workers;
#               needs an installed Citus, and says so and passes without it
#
# All of them work on a machine without PostgreSQL's server headers: the PGXS
# include is guarded, and test/harness.sh installs them first.

EXTENSION   = defaults_policy
MODULE_big  = defaults_policy
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA        = $(sort $(wildcard defaults_policy--*.sql))
PGFILEDESC  = "defaults_policy - named, validated column defaults"

REGRESS     = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --outputdir=results_regress
ISOLATION   = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=results_isolation
TAP_TESTS   = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))
EXTRA_CLEAN = results_regress results_isolation tmp_check

PG_CPPFLAGS = -Wall -Wextra -Wno-unused-parameter
ifdef WERROR
PG_CPPFLAGS += -Werror
endif
# SANITIZE=1: instrument the extension (the server is not; test/harness.sh
# preloads the runtimes into it).  A report aborts the process instead of
# going on, so no report can scroll by unseen.
ifdef SANITIZE
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all
PG_CFLAGS   += $(SANITIZE_FLAGS) -fno-omit-frame-pointer
PG_LDFLAGS  += $(SANITIZE_FLAGS)
endif

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
# pgxs.mk comes with Debian's client package; the server headers do not
SERVER_HEADER := $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)/postgres.h

ifneq ($(wildcard $(PGXS)),)
ifneq ($(wildcard $(SERVER_HEADER)),)
HAVE_PGXS = yes
endif
endif

ifdef HAVE_PGXS
include $(PGXS)
else
all:
	@echo "PostgreSQL's server headers (PGXS) are not installed." >&2
	@echo "Run 'make test' or 'make demo', which install them, or: apt-get install postgresql-server-dev-15" >&2
	@exit 1
endif

.PHONY: test demo bench fuzz test-core test-citus
test:
	@SANITIZE=$(SANITIZE) bash test/harness.sh test
demo:
	@bash test/harness.sh demo
bench:
	@bash test/harness.sh bench
fuzz:
	@bash test/harness.sh fuzz
test-core:
	@bash test/harness.sh core
test-citus:
	@bash test/harness.sh citus
