// Original file: maprdb-server.proto

import type { ErrorCode as _com_mapr_data_db_ErrorCode, ErrorCode__Output as _com_mapr_data_db_ErrorCode__Output } from '../../../../com/mapr/data/db/ErrorCode.js';

export interface RpcError {
  'errCode'?: (_com_mapr_data_db_ErrorCode);
  'errorMessage'?: (string);
  'javaStackTrace'?: (string);
}

export interface RpcError__Output {
  'errCode': (_com_mapr_data_db_ErrorCode__Output);
  'errorMessage': (string);
  'javaStackTrace': (string);
}
