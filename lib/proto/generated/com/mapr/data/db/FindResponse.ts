// Original file: maprdb-server.proto

import type { RpcError as _com_mapr_data_db_RpcError, RpcError__Output as _com_mapr_data_db_RpcError__Output } from '../../../../com/mapr/data/db/RpcError.js';
import type { PayloadEncoding as _com_mapr_data_db_PayloadEncoding, PayloadEncoding__Output as _com_mapr_data_db_PayloadEncoding__Output } from '../../../../com/mapr/data/db/PayloadEncoding.js';
import type { FindResponseType as _com_mapr_data_db_FindResponseType, FindResponseType__Output as _com_mapr_data_db_FindResponseType__Output } from '../../../../com/mapr/data/db/FindResponseType.js';

export interface FindResponse {
  'error'?: (_com_mapr_data_db_RpcError | null);
  'payloadEncoding'?: (_com_mapr_data_db_PayloadEncoding);
  'type'?: (_com_mapr_data_db_FindResponseType);
  'jsonResponse'?: (string);
  'data'?: "jsonResponse";
}

export interface FindResponse__Output {
  'error': (_com_mapr_data_db_RpcError__Output | null);
  'payloadEncoding': (_com_mapr_data_db_PayloadEncoding__Output);
  'type': (_com_mapr_data_db_FindResponseType__Output);
  'jsonResponse'?: (string);
  'data'?: "jsonResponse";
}
