import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CreateTableRequest as _com_mapr_data_db_CreateTableRequest, CreateTableRequest__Output as _com_mapr_data_db_CreateTableRequest__Output } from './com/mapr/data/db/CreateTableRequest.js';
import type { CreateTableResponse as _com_mapr_data_db_CreateTableResponse, CreateTableResponse__Output as _com_mapr_data_db_CreateTableResponse__Output } from './com/mapr/data/db/CreateTableResponse.js';
import type { DeleteRequest as _com_mapr_data_db_DeleteRequest, DeleteRequest__Output as _com_mapr_data_db_DeleteRequest__Output } from './com/mapr/data/db/DeleteRequest.js';
import type { DeleteResponse as _com_mapr_data_db_DeleteResponse, DeleteResponse__Output as _com_mapr_data_db_DeleteResponse__Output } from './com/mapr/data/db/DeleteResponse.js';
import type { DeleteTableRequest as _com_mapr_data_db_DeleteTableRequest, DeleteTableRequest__Output as _com_mapr_data_db_DeleteTableRequest__Output } from './com/mapr/data/db/DeleteTableRequest.js';
import type { DeleteTableResponse as _com_mapr_data_db_DeleteTableResponse, DeleteTableResponse__Output as _com_mapr_data_db_DeleteTableResponse__Output } from './com/mapr/data/db/DeleteTableResponse.js';
import type { FindByIdRequest as _com_mapr_data_db_FindByIdRequest, FindByIdRequest__Output as _com_mapr_data_db_FindByIdRequest__Output } from './com/mapr/data/db/FindByIdRequest.js';
import type { FindByIdResponse as _com_mapr_data_db_FindByIdResponse, FindByIdResponse__Output as _com_mapr_data_db_FindByIdResponse__Output } from './com/mapr/data/db/FindByIdResponse.js';
import type { FindRequest as _com_mapr_data_db_FindRequest, FindRequest__Output as _com_mapr_data_db_FindRequest__Output } from './com/mapr/data/db/FindRequest.js';
import type { FindResponse as _com_mapr_data_db_FindResponse, FindResponse__Output as _com_mapr_data_db_FindResponse__Output } from './com/mapr/data/db/FindResponse.js';
import type { InsertOrReplaceRequest as _com_mapr_data_db_InsertOrReplaceRequest, InsertOrReplaceRequest__Output as _com_mapr_data_db_InsertOrReplaceRequest__Output } from './com/mapr/data/db/InsertOrReplaceRequest.js';
import type { InsertOrReplaceResponse as _com_mapr_data_db_InsertOrReplaceResponse, InsertOrReplaceResponse__Output as _com_mapr_data_db_InsertOrReplaceResponse__Output } from './com/mapr/data/db/InsertOrReplaceResponse.js';
import type { MapRDbServerClient as _com_mapr_data_db_MapRDbServerClient, MapRDbServerDefinition as _com_mapr_data_db_MapRDbServerDefinition } from './com/mapr/data/db/MapRDbServer.js';
import type { PingRequest as _com_mapr_data_db_PingRequest, PingRequest__Output as _com_mapr_data_db_PingRequest__Output } from './com/mapr/data/db/PingRequest.js';
import type { PingResponse as _com_mapr_data_db_PingResponse, PingResponse__Output as _com_mapr_data_db_PingResponse__Output } from './com/mapr/data/db/PingResponse.js';
import type { RpcError as _com_mapr_data_db_RpcError, RpcError__Output as _com_mapr_data_db_RpcError__Output } from './com/mapr/data/db/RpcError.js';
import type { TableExistsRequest as _com_mapr_data_db_TableExistsRequest, TableExistsRequest__Output as _com_mapr_data_db_TableExistsRequest__Output } from './com/mapr/data/db/TableExistsRequest.js';
import type { TableExistsResponse as _com_mapr_data_db_TableExistsResponse, TableExistsResponse__Output as _com_mapr_data_db_TableExistsResponse__Output } from './com/mapr/data/db/TableExistsResponse.js';
import type { UpdateRequest as _com_mapr_data_db_UpdateRequest, UpdateRequest__Output as _com_mapr_data_db_UpdateRequest__Output } from './com/mapr/data/db/UpdateRequest.js';
import type { UpdateResponse as _com_mapr_data_db_UpdateResponse, UpdateResponse__Output as _com_mapr_data_db_UpdateResponse__Output } from './com/mapr/data/db/UpdateResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  com: {
    mapr: {
      data: {
        db: {
          CreateTableRequest: MessageTypeDefinition<_com_mapr_data_db_CreateTableRequest, _com_mapr_data_db_CreateTableRequest__Output>
          CreateTableResponse: MessageTypeDefinition<_com_mapr_data_db_CreateTableResponse, _com_mapr_data_db_CreateTableResponse__Output>
          DeleteRequest: MessageTypeDefinition<_com_mapr_data_db_DeleteRequest, _com_mapr_data_db_DeleteRequest__Output>
          DeleteResponse: MessageTypeDefinition<_com_mapr_data_db_DeleteResponse, _com_mapr_data_db_DeleteResponse__Output>
          DeleteTableRequest: MessageTypeDefinition<_com_mapr_data_db_DeleteTableRequest, _com_mapr_data_db_DeleteTableRequest__Output>
          DeleteTableResponse: MessageTypeDefinition<_com_mapr_data_db_DeleteTableResponse, _com_mapr_data_db_DeleteTableResponse__Output>
          ErrorCode: EnumTypeDefinition
          FindByIdRequest: MessageTypeDefinition<_com_mapr_data_db_FindByIdRequest, _com_mapr_data_db_FindByIdRequest__Output>
          FindByIdResponse: MessageTypeDefinition<_com_mapr_data_db_FindByIdResponse, _com_mapr_data_db_FindByIdResponse__Output>
          FindRequest: MessageTypeDefinition<_com_mapr_data_db_FindRequest, _com_mapr_data_db_FindRequest__Output>
          FindResponse: MessageTypeDefinition<_com_mapr_data_db_FindResponse, _com_mapr_data_db_FindResponse__Output>
          FindResponseType: EnumTypeDefinition
          InsertMode: EnumTypeDefinition
          InsertOrReplaceRequest: MessageTypeDefinition<_com_mapr_data_db_InsertOrReplaceRequest, _com_mapr_data_db_InsertOrReplaceRequest__Output>
          InsertOrReplaceResponse: MessageTypeDefinition<_com_mapr_data_db_InsertOrReplaceResponse, _com_mapr_data_db_InsertOrReplaceResponse__Output>
          MapRDbServer: SubtypeConstructor<typeof grpc.Client, _com_mapr_data_db_MapRDbServerClient> & { service: _com_mapr_data_db_MapRDbServerDefinition }
          PayloadEncoding: EnumTypeDefinition
          PingRequest: MessageTypeDefinition<_com_mapr_data_db_PingRequest, _com_mapr_data_db_PingRequest__Output>
          PingResponse: MessageTypeDefinition<_com_mapr_data_db_PingResponse, _com_mapr_data_db_PingResponse__Output>
          RpcError: MessageTypeDefinition<_com_mapr_data_db_RpcError, _com_mapr_data_db_RpcError__Output>
          TableExistsRequest: MessageTypeDefinition<_com_mapr_data_db_TableExistsRequest, _com_mapr_data_db_TableExistsRequest__Output>
          TableExistsResponse: MessageTypeDefinition<_com_mapr_data_db_TableExistsResponse, _com_mapr_data_db_TableExistsResponse__Output>
          UpdateRequest: MessageTypeDefinition<_com_mapr_data_db_UpdateRequest, _com_mapr_data_db_UpdateRequest__Output>
          UpdateResponse: MessageTypeDefinition<_com_mapr_data_db_UpdateResponse, _com_mapr_data_db_UpdateResponse__Output>
        }
      }
    }
  }
}

