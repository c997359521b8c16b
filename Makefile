# Makefile -- non-recursive build of zonec, its runtime library and the tests
# SPDX-License-Identifier: MIT
#
#   make            build/zonec and build/libzrt.a (the runtime linked into every output)
#   make run        install missing packages, build, compile examples/, serve on 127.0.0.1:5300
#   make test       install what tests need, build, run unit, integration and differential tests
#   make SAN=1 ...  the same with AddressSanitizer + UndefinedBehaviorSanitizer (into build/san)
#   make clean

CC      ?= cc
SAN     ?= 0
ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     ?= -O1 -g
else
BUILD   ?= build
SANFLAGS =
OPT     ?= -O2 -g
endif

# -ffile-prefix-map keeps absolute paths out of objects: output binaries must be reproducible.
CFLAGS_ALL = -std=gnu11 $(OPT) -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
             -ffile-prefix-map=$(CURDIR)=. -D_GNU_SOURCE $(SANFLAGS) $(CFLAGS)
CPPFLAGS_ALL = -Icompiler -Iruntime -I$(BUILD)/gen $(CPPFLAGS)
LDLIBS_ZONEC = -lcmph -lyaml -lm

GRAMMAR_Y   = $(wildcard grammar/*.y)
GRAMMAR_L   = $(wildcard grammar/*.l)
GEN_Y_C     = $(patsubst grammar/%.y,$(BUILD)/gen/%.tab.c,$(GRAMMAR_Y))
GEN_L_C     = $(patsubst grammar/%.l,$(BUILD)/gen/%.lex.c,$(GRAMMAR_L))
GEN_H       = $(GEN_Y_C:.c=.h) $(GEN_L_C:.c=.h)

COMPILER_SRC = $(wildcard compiler/*.c)
COMPILER_ASM = $(wildcard compiler/*.s)
RUNTIME_SRC  = $(wildcard runtime/*.c)
COMPILER_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(COMPILER_SRC)) \
               $(patsubst %.s,$(BUILD)/obj/%.o,$(COMPILER_ASM)) \
               $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_Y_C) $(GEN_L_C))
COMPILER_LIB_OBJ = $(filter-out $(BUILD)/obj/compiler/main.o,$(COMPILER_OBJ))
RUNTIME_OBJ  = $(patsubst %.c,$(BUILD)/obj/%.o,$(RUNTIME_SRC))

UNIT_SRC     = $(wildcard tests/unit/test_*.c)
UNIT_BIN     = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all run test unit clean deps deps-test check-repro bench bench-insn fuzz
# keep generated parser sources and headers between builds
.SECONDARY:
all: $(BUILD)/zonec $(BUILD)/libzrt.a $(BUILD)/include/rt.h

$(BUILD)/gen/%.tab.c $(BUILD)/gen/%.tab.h: grammar/%.y
	@mkdir -p $(dir $@)
	bison -Wall --defines=$(BUILD)/gen/$*.tab.h -o $(BUILD)/gen/$*.tab.c $<

$(BUILD)/gen/%.lex.c $(BUILD)/gen/%.lex.h: grammar/%.l
	@mkdir -p $(dir $@)
	flex --header-file=$(BUILD)/gen/$*.lex.h -o $(BUILD)/gen/$*.lex.c $<

# Generated parsers are compiled with fewer warnings: their code is not ours.
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(filter-out -Wshadow -Wstrict-prototypes,$(CFLAGS_ALL)) -Wno-sign-compare -Wno-unused-function -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.s
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -c -o $@ $<

# Templates are .incbin'd into zonec, so its objects from .s depend on them.
$(patsubst %.s,$(BUILD)/obj/%.o,$(COMPILER_ASM)): $(wildcard templates/*)

$(BUILD)/libzrt.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcsD $@ $^

$(BUILD)/include/rt.h: runtime/rt.h
	@mkdir -p $(dir $@)
	cp runtime/*.h $(BUILD)/include/

$(BUILD)/zonec: $(COMPILER_OBJ) $(BUILD)/libzrt.a
	$(CC) $(CFLAGS_ALL) -o $@ $(COMPILER_OBJ) $(BUILD)/libzrt.a $(LDLIBS_ZONEC) $(LDFLAGS)

# Unit tests link the compiler's modules (without main) and the runtime.
$(BUILD)/tests/%: tests/unit/%.c $(COMPILER_LIB_OBJ) $(BUILD)/libzrt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(COMPILER_LIB_OBJ) $(BUILD)/libzrt.a -lcmocka $(LDLIBS_ZONEC) $(LDFLAGS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ZONEC_TEST_DIR=$(CURDIR)/tests $$t; done

deps:
	bash scripts/deps.sh run

deps-test:
	bash scripts/deps.sh test

run: deps all
	BUILD=$(BUILD) bash scripts/run-examples.sh

test: deps-test
	$(MAKE) all unit
	bash tests/run.sh

bench: all
	ZONEC=$(BUILD)/zonec WORK=$(BUILD)/bench bash bench/run.sh

# user-space instructions per answered query under callgrind (SPEC section 6)
bench-insn: all
	ZONEC=$(BUILD)/zonec WORK=$(BUILD)/bench bash bench/callgrind.sh

# libFuzzer targets (fuzz/) for the packet handler, the ZPL parser and the RFC 1035 reader;
# `make test` runs a short smoke of each over the committed corpus
fuzz: all
	bash scripts/fuzz.sh long $(FUZZ_SECONDS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
