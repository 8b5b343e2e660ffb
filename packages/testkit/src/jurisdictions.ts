import { JurisdictionTree, ZHAOQING_JURISDICTIONS } from '@muster/domain';

/** The tree tests serve unless they load their own: Zhaoqing under Guangdong, as a deployment without MUSTER_JURISDICTIONS_FILE. */
export const TEST_JURISDICTIONS = new JurisdictionTree(ZHAOQING_JURISDICTIONS);
