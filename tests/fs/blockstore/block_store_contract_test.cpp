#include "contracts/block_store_contract.h"

#include "fs/blockstore/block_store_factories.h"

namespace squeezefs::blockstore::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, BlockStoreContract, ::testing::Types<MemoryFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(Local, BlockStoreContract, ::testing::Types<LocalFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(LocalPowerLoss, BlockStoreContract,
                               ::testing::Types<PowerLossLocalFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(LocalLedger, BlockStoreContract, ::testing::Types<LedgerFactory>);
INSTANTIATE_TYPED_TEST_SUITE_P(LocalLedgerPowerLoss, BlockStoreContract,
                               ::testing::Types<PowerLossLedgerFactory>);

}  // namespace squeezefs::blockstore::testing
