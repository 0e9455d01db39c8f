// Original file: maprdb-server.proto

import type { RpcError as _com_mapr_data_db_RpcError, RpcError__Output as _com_mapr_data_db_RpcError__Output } from '../../../../com/mapr/data/db/RpcError.js';

export interface UpdateResponse {
  'error'?: (_com_mapr_data_db_RpcError | null);
}

export interface UpdateResponse__Output {
  'error': (_com_mapr_data_db_RpcError__Output | null);
}
