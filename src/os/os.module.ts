import { Module } from '@nestjs/common';
import { ImagesModule } from '../images/images.module';
import { OsController } from './os.controller';
import { OsExecutors } from './os.executors';
import { OsService } from './os.service';

/** Switch/reset OS and custom images captured from servers. */
@Module({ imports: [ImagesModule], controllers: [OsController], providers: [OsService, OsExecutors], exports: [OsService] })
export class OsModule {}
