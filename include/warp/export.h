// Symbol visibility for the shared library libwarpengine. Everything not marked WARP_EXPORT
// stays hidden, so an embedding program sees only the public API of include/warp/.
#pragma once

#define WARP_EXPORT [[gnu::visibility("default")]]
