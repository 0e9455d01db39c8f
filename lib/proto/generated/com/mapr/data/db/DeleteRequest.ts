// Original file: maprdb-server.proto

import type { PayloadEncoding as _com_mapr_data_db_PayloadEncoding, PayloadEncoding__Output as _com_mapr_data_db_PayloadEncoding__Output } from '../../../../com/mapr/data/db/PayloadEncoding.js';

export interface DeleteRequest {
  'tablePath'?: (string);
  'payloadEncoding'?: (_com_mapr_data_db_PayloadEncoding);
  'jsonCondition'?: (string);
  'jsonDocument'?: (string);
  'condition'?: "jsonCondition";
  'document'?: "jsonDocument";
}

export interface DeleteRequest__Output {
  'tablePath': (string);
  'payloadEncoding': (_com_mapr_data_db_PayloadEncoding__Output);
  'jsonCondition'?: (string);
  'jsonDocument'?: (string);
  'condition'?: "jsonCondition";
  'document'?: "jsonDocument";
}
