import type { JurisdictionRecord } from './jurisdiction-tree';

/**
 * Zhaoqing (肇庆市) and its county-level units, GB/T 2260 codes. The High-tech Zone (肇庆高新区) is a
 * functional zone with no code of its own in GB/T 2260; 441291 is the local code used for it here.
 * Another city's tree is loaded from a JSON file of the same shape (MUSTER_JURISDICTIONS_FILE).
 */
export const ZHAOQING_JURISDICTIONS: readonly JurisdictionRecord[] = [
  { code: '440000', name: '广东省', nameEn: 'Guangdong Province', parent: null, level: 'province' },
  { code: '441200', name: '肇庆市', nameEn: 'Zhaoqing', parent: '440000', level: 'city' },
  { code: '441202', name: '端州区', nameEn: 'Duanzhou District', parent: '441200', level: 'county' },
  { code: '441203', name: '鼎湖区', nameEn: 'Dinghu District', parent: '441200', level: 'county' },
  { code: '441204', name: '高要区', nameEn: 'Gaoyao District', parent: '441200', level: 'county' },
  { code: '441223', name: '广宁县', nameEn: 'Guangning County', parent: '441200', level: 'county' },
  { code: '441224', name: '怀集县', nameEn: 'Huaiji County', parent: '441200', level: 'county' },
  { code: '441225', name: '封开县', nameEn: 'Fengkai County', parent: '441200', level: 'county' },
  { code: '441226', name: '德庆县', nameEn: 'Deqing County', parent: '441200', level: 'county' },
  { code: '441284', name: '四会市', nameEn: 'Sihui', parent: '441200', level: 'county' },
  { code: '441291', name: '肇庆高新区', nameEn: 'Zhaoqing High-tech Zone', parent: '441200', level: 'zone' },
];
