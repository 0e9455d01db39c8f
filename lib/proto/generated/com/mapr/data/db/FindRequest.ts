// Original file: maprdb-server.proto

import type { PayloadEncoding as _com_mapr_data_db_PayloadEncoding, PayloadEncoding__Output as _com_mapr_data_db_PayloadEncoding__Output } from '../../../../com/mapr/data/db/PayloadEncoding.js';

export interface FindRequest {
  'tablePath'?: (string);
  'payloadEncoding'?: (_com_mapr_data_db_PayloadEncoding);
  'includeQueryPlan'?: (boolean);
  'jsonQuery'?: (string);
  'data'?: "jsonQuery";
}

export interface FindRequest__Output {
  'tablePath': (string);
  'payloadEncoding': (_com_mapr_data_db_PayloadEncoding__Output);
  'includeQueryPlan': (boolean);
  'jsonQuery'?: (string);
  'data'?: "jsonQuery";
}
