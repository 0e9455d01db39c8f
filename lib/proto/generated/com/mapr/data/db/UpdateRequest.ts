// Original file: maprdb-server.proto

import type { PayloadEncoding as _com_mapr_data_db_PayloadEncoding, PayloadEncoding__Output as _com_mapr_data_db_PayloadEncoding__Output } from '../../../../com/mapr/data/db/PayloadEncoding.js';

export interface UpdateRequest {
  'tablePath'?: (string);
  'payloadEncoding'?: (_com_mapr_data_db_PayloadEncoding);
  'jsonDocument'?: (string);
  'jsonCondition'?: (string);
  'jsonMutation'?: (string);
  'document'?: "jsonDocument";
  'condition'?: "jsonCondition";
  'mutation'?: "jsonMutation";
}

export interface UpdateRequest__Output {
  'tablePath': (string);
  'payloadEncoding': (_com_mapr_data_db_PayloadEncoding__Output);
  'jsonDocument'?: (string);
  'jsonCondition'?: (string);
  'jsonMutation'?: (string);
  'document'?: "jsonDocument";
  'condition'?: "jsonCondition";
  'mutation'?: "jsonMutation";
}
