/* Everything is in include/prefetch.h (one inline function); SwiftPM needs a source file per C target. */
#include "prefetch.h"
