# Sanitizer build of the engine and its standalone native tests (run by scripts/sanitize.sh):
# commons/, entities/, algorithms/ and tests/ (scripts/native-sources.cjs), g++ with ASan + UBSan,
# objects and dependency files under $(OUT) so that a rerun recompiles only what changed.
OUT ?= build-sanitize
CXX ?= g++
SOURCES := $(shell node scripts/native-sources.cjs engine tests)
SANITIZE := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
# -fexpensive-optimizations (on at -O2, off at -O1) runs GCC's pass that contracts a*b - c*d into
# fma: the AVX-512 kernels write out the addon's (-O3) contraction of the loops (kernels_impl.h),
# so without it the loop variants' bits differ from theirs and the bit-for-bit tests fail.
CXXFLAGS := -std=c++17 -O1 -fexpensive-optimizations -g -pthread -Wall -Wno-unused-function $(SANITIZE) -Inative -I$(OUT)/gen
OBJS := $(SOURCES:%.cc=$(OUT)/obj/%.o)

# Files that change only when their content does: the flags (objects depend on them) and the
# object list (the link depends on it, so that removing a source relinks).
define record
	@mkdir -p $(OUT)
	@echo '$(1)' | cmp -s - $@ || echo '$(1)' > $@
endef

$(OUT)/engine-tests: $(OBJS) $(OUT)/objects.id
	$(CXX) $(CXXFLAGS) -o $@ $(OBJS)

$(OUT)/flags.id: FORCE
	$(call record,$(CXX) $(CXXFLAGS))

$(OUT)/objects.id: FORCE
	$(call record,$(OBJS))

$(OUT)/obj/%.o: %.cc $(OUT)/gen/commons/security_rule.h $(OUT)/flags.id
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@

FORCE:
.PHONY: FORCE

-include $(OBJS:.o=.d)
