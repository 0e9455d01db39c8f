// Original file: maprdb-server.proto

import type { InsertMode as _com_mapr_data_db_InsertMode, InsertMode__Output as _com_mapr_data_db_InsertMode__Output } from '../../../../com/mapr/data/db/InsertMode.js';
import type { PayloadEncoding as _com_mapr_data_db_PayloadEncoding, PayloadEncoding__Output as _com_mapr_data_db_PayloadEncoding__Output } from '../../../../com/mapr/data/db/PayloadEncoding.js';

export interface InsertOrReplaceRequest {
  'tablePath'?: (string);
  'insertMode'?: (_com_mapr_data_db_InsertMode);
  'payloadEncoding'?: (_com_mapr_data_db_PayloadEncoding);
  'jsonCondition'?: (string);
  'jsonDocument'?: (string);
  'condition'?: "jsonCondition";
  'data'?: "jsonDocument";
}

export interface InsertOrReplaceRequest__Output {
  'tablePath': (string);
  'insertMode': (_com_mapr_data_db_InsertMode__Output);
  'payloadEncoding': (_com_mapr_data_db_PayloadEncoding__Output);
  'jsonCondition'?: (string);
  'jsonDocument'?: (string);
  'condition'?: "jsonCondition";
  'data'?: "jsonDocument";
}
