// Original file: maprdb-server.proto

import type { RpcError as _com_mapr_data_db_RpcError, RpcError__Output as _com_mapr_data_db_RpcError__Output } from '../../../../com/mapr/data/db/RpcError.js';
import type { PayloadEncoding as _com_mapr_data_db_PayloadEncoding, PayloadEncoding__Output as _com_mapr_data_db_PayloadEncoding__Output } from '../../../../com/mapr/data/db/PayloadEncoding.js';

export interface FindByIdResponse {
  'error'?: (_com_mapr_data_db_RpcError | null);
  'payloadEncoding'?: (_com_mapr_data_db_PayloadEncoding);
  'jsonDocument'?: (string);
  'data'?: "jsonDocument";
}

export interface FindByIdResponse__Output {
  'error': (_com_mapr_data_db_RpcError__Output | null);
  'payloadEncoding': (_com_mapr_data_db_PayloadEncoding__Output);
  'jsonDocument'?: (string);
  'data'?: "jsonDocument";
}
